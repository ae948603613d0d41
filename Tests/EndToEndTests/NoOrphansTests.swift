import Foundation
import Testing

/// Issue 14, "no orphans": the target and all its descendants die with pyinspect, at `--timeout`, at a deadlock
/// stop, at the memory limit and when pyinspect is killed; the terminal still behaves as under python3.
/// The fixture records every pid of its tree in a file; a process is gone when /proc no longer lists it running.
@Suite struct NoOrphansTests {
    static let fixtures = BinaryHarness.fixtures.appendingPathComponent("processes").path
    func fixture(_ name: String) -> String { "\(Self.fixtures)/\(name)" }

    func pidFile() -> String { NSTemporaryDirectory() + "pyinspect-tree-\(UUID().uuidString).pids" }

    /// (kind, pid) lines the fixture wrote: target, fork, pool, grandchild.
    func recorded(_ path: String) -> [(kind: String, pid: Int32)] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 2, let pid = Int32(words[1]) else { return nil }
            return (String(words[0]), pid)
        }
    }

    /// Running: listed in /proc and neither a zombie nor dead (a zombie waits only for its new parent to reap it).
    func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].first
        return state != "Z" && state != "X"
    }

    /// Polls /proc until none of `pids` runs, at most `seconds` (a cap, not a wait): those still running.
    func stillRunning(_ pids: [Int32], within seconds: Double) -> [Int32] {
        let deadline = Date().addingTimeInterval(seconds)
        var running = pids.filter(isRunning)
        while !running.isEmpty && Date() < deadline {
            usleep(20_000)
            running = running.filter(isRunning)
        }
        return running
    }

    /// The test must not leave processes behind when pyinspect failed to kill them.
    func cleanUp(_ pids: [Int32]) {
        for pid in pids where isRunning(pid) { kill(pid, SIGKILL) }
    }

    /// Reads the binary's stdout and stderr to their end on another thread; nil if they stay open past `seconds`
    /// (a process of the tree still holds them).
    func finish(_ running: RunningBinary, within seconds: Double) -> (status: Int32, stdout: String, stderr: String)? {
        nonisolated(unsafe) var result: (status: Int32, stdout: String, stderr: String)?
        let done = DispatchSemaphore(value: 0)
        Thread {
            result = running.finish()
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return result
    }

    func diagnostics(_ report: [String: Any]) -> [(level: String, message: String)] {
        (report["diagnostics"] as? [[String: Any]] ?? []).map { ($0["level"] as? String ?? "", $0["message"] as? String ?? "") }
    }

    @Test func sigkillToPyinspectLeavesNoProcessOfTheTarget() throws {
        let pids = pidFile()
        defer { try? FileManager.default.removeItem(atPath: pids) }
        let running = try RunningBinary(["run", fixture("tree.py"), pids])
        #expect(running.waitForOutput("ready"))
        let tree = recorded(pids)
        #expect(Set(tree.map(\.kind)) == ["target", "fork", "pool", "grandchild"], "\(tree)")
        #expect(tree.count == 6)
        #expect(tree.allSatisfy { isRunning($0.pid) })
        kill(running.pid, SIGKILL)
        let left = stillRunning(tree.map(\.pid), within: 10)
        cleanUp(left)
        #expect(left.isEmpty, "still running after pyinspect was killed: \(left)")
        #expect(finish(running, within: 60) != nil)
    }

    @Test func timeoutKillsForkedChildrenAndThePipedOutputEnds() throws {
        let pids = pidFile()
        let json = pidFile() + ".json"
        defer {
            try? FileManager.default.removeItem(atPath: pids)
            try? FileManager.default.removeItem(atPath: json)
        }
        // `pyinspect run --timeout 2 tree.py | reader`: the reader sees the end of the output.
        let running = try RunningBinary(["run", "--timeout", "2", "--json", json, fixture("tree.py"), pids])
        let end = finish(running, within: 60)
        let tree = recorded(pids)
        cleanUp(tree.map(\.pid))
        let result = try #require(end, "the output stayed open: a process of the target outlived pyinspect")
        #expect(result.status == 124)
        #expect(result.stdout.contains("ready"))
        #expect(tree.count == 6)
        #expect(stillRunning(tree.map(\.pid), within: 0).isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let killed = diagnostics(report).filter { $0.message.contains("pyinspect killed them") }
        #expect(killed.first?.level == "note", "\(diagnostics(report))")
        // The fork child is among them, named by pid.
        let forkPid = tree.first { $0.kind == "fork" }?.pid ?? -1
        #expect(killed.first?.message.contains("\(forkPid) (") == true, "\(killed)")
        // Each Python process of the tree gave its stacks before it was killed.
        let children = report["child_stacks"] as? [[String: Any]] ?? []
        func innermost(_ child: [String: Any]) -> [String] {
            (child["threads"] as? [[String: Any]] ?? []).compactMap {
                (($0["frames"] as? [[String: Any]])?.first?["function"] as? String)
            }
        }
        let fork = children.first { $0["pid"] as? Int == Int(forkPid) }
        #expect(fork?["role"] as? String == "fork of the target", "\(children)")
        #expect(fork.map(innermost) == ["<module>"])
        let workers = children.filter { $0["role"] as? String == "multiprocessing pool worker" }
        #expect(Set(workers.compactMap { $0["pid"] as? Int }) == Set(tree.filter { $0.kind == "pool" }.map { Int($0.pid) }), "\(children)")
        #expect(workers.allSatisfy { innermost($0) == ["idle"] })
        // The Python grandchild (through pyinspect-python), not the /bin/sleep one.
        let grandchildren = Set(tree.filter { $0.kind == "grandchild" }.map { Int($0.pid) })
        #expect(children.filter { grandchildren.contains($0["pid"] as? Int ?? -1) }.count == 1, "\(children)")
        #expect(result.stderr.contains("(multiprocessing pool worker):"))
    }

    @Test func leftoversOfATargetThatEndedAreKilledAndReported() throws {
        let pids = pidFile()
        defer { try? FileManager.default.removeItem(atPath: pids) }
        let result = try BinaryHarness.run(["run", fixture("tree.py"), pids, "exit"], json: true)
        let tree = recorded(pids)
        cleanUp(tree.map(\.pid))
        #expect(result.status == 0)
        #expect(tree.count == 6)
        #expect(stillRunning(tree.map(\.pid), within: 0).isEmpty)
        let report = try #require(result.report)
        let killed = diagnostics(report).filter { $0.message.contains("pyinspect killed them") }
        #expect(killed.count == 1 && killed.first?.level == "warning", "\(diagnostics(report))")
        #expect(killed.first?.message.contains("after the target ended") == true)
        #expect(result.stderr.contains("pyinspect killed them"))
    }

    @Test func deadlockStopKillsTheTree() throws {
        let pids = pidFile()
        defer { try? FileManager.default.removeItem(atPath: pids) }
        let result = try BinaryHarness.run(["run", "--quiet", fixture("tree.py"), pids, "deadlock"])
        let tree = recorded(pids)
        cleanUp(tree.map(\.pid))
        #expect(result.status == 123)
        #expect(tree.count == 6)
        #expect(stillRunning(tree.map(\.pid), within: 0).isEmpty)
    }

    @Test func memoryLimitKillsTheTree() throws {
        let pids = pidFile()
        defer { try? FileManager.default.removeItem(atPath: pids) }
        let result = try BinaryHarness.run(["run", "--quiet", "--memory-limit", "256M", fixture("tree.py"), pids, "memory"])
        let tree = recorded(pids)
        cleanUp(tree.map(\.pid))
        #expect(result.status == 125)
        #expect(tree.count == 6)
        #expect(stillRunning(tree.map(\.pid), within: 0).isEmpty)
    }

    @Test(arguments: ["spawn", "forkserver", "fork"])
    func aPoolClosedByTheTargetLeavesNothingToKill(method: String) throws {
        let result = try BinaryHarness.run(
            ["run", BinaryHarness.fixture("run/mp_pool.py"), method], json: true)
        #expect(result.status == 0)
        let report = try #require(result.report)
        #expect(!diagnostics(report).contains { $0.message.contains("pyinspect killed them") }, "\(diagnostics(report))")
    }

    // ---- The terminal: a pseudo-terminal driven as a shell drives a foreground job ----

    func onTerminal(_ action: String, _ command: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = action == "background"
            ? [fixture("terminal_background_job.py")] + command : [fixture("terminal_driver.py"), action] + command
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func count(_ text: String, in output: String) -> Int { output.components(separatedBy: text).count - 1 }

    @Test func ctrlCReachesTheTargetAndItsChildOnceEach() throws {
        let run = try onTerminal("interrupt", [BinaryHarness.binary, "run", fixture("terminal_target.py")])
        let output = run["output"] as? String ?? ""
        #expect(run["status"] as? Int == 130, "\(output)")
        #expect(count("KeyboardInterrupt in target", in: output) == 1, "\(output)")
        #expect(count("KeyboardInterrupt in child", in: output) == 1, "\(output)")
        #expect(output.contains("pyinspect: interrupted"))
    }

    @Test func ctrlZStopsTheJobAndFgGivesTheTerminalBack() throws {
        let run = try onTerminal("suspend", [BinaryHarness.binary, "run", fixture("terminal_target.py")])
        let output = run["output"] as? String ?? ""
        #expect(run["stopped"] as? Bool == true, "pyinspect did not stop with its target: \(output)")
        // After `fg` the target reads the terminal again.
        #expect(output.replacing("\r\n", with: "").contains("got again"), "\(output)")
        #expect(count("KeyboardInterrupt in target", in: output) == 1, "\(output)")
        #expect(run["status"] as? Int == 130)
    }

    @Test func aBackgroundJobReadingTheTerminalStopsAndFgResumesIt() throws {
        let run = try onTerminal("background", [BinaryHarness.binary, "run", fixture("terminal_target.py")])
        let output = run["output"] as? String ?? ""
        // Like python3 started with `&`: the read stops the job (pyinspect with it), `fg` gives it the terminal.
        #expect(output.contains("|fg stopped=True|"), "\(output)")
        #expect(output.replacing("\r\n", with: "").contains("got again"), "\(output)")
        #expect(count("KeyboardInterrupt in target", in: output) == 1, "\(output)")
        #expect(output.contains("|status=130|"), "\(output)")
    }
}
