import Foundation
import Testing

/// Issue 8: a target that crashes, hangs, blows up or is stopped still leaves a report with what was measured,
/// the Python stack where it died, the right verdict and a distinct exit status (docs/robustness.md).
@Suite struct RobustnessTests {
    static let fixtures = BinaryHarness.fixtures.appendingPathComponent("robustness").path
    func fixture(_ name: String) -> String { "\(Self.fixtures)/\(name)" }

    /// Frames as "file:line function", innermost first.
    func frames(_ value: Any?) -> [String] {
        (value as? [[String: Any]] ?? []).map {
            "\(($0["file"] as? String ?? "").split(separator: "/").last ?? ""):\($0["line"] as? Int ?? 0) \($0["function"] as? String ?? "")"
        }
    }

    func stacks(_ report: [String: Any]) -> [(name: String, frames: [String])] {
        (report["stacks"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", frames($0["frames"])) }
    }

    func findingKinds(_ report: [String: Any]) -> [String] {
        (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    }

    func diagnostics(_ report: [String: Any]) -> [String] {
        (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    func expectMeasured(_ report: [String: Any]) {
        #expect((report["wall_s"] as? Double ?? 0) > 0)
        #expect((report["peak_rss_bytes"] as? Int ?? 0) > 1_000_000)
        #expect(report["pid"] as? Int != nil)
    }

    @Test func segfaultInCExtensionGivesCrashWithThePythonStackWhereItDied() throws {
        let result = try BinaryHarness.run(["run", fixture("segfault.py")], json: true)
        #expect(result.status == 139)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "crash")
        #expect((report["target_exit"] as? [String: Any])?["signal_name"] as? String == "SIGSEGV")
        let all = stacks(report)
        // The thread that faulted comes first, innermost frame first; the idle thread is there too.
        #expect(all.first?.name == "MainThread")
        #expect(all.first?.frames.prefix(4) == [
            "__init__.py:519 string_at", "segfault.py:14 dereference_null", "segfault.py:18 crash_here",
            "segfault.py:24 <module>",
        ])
        #expect(all.contains { $0.frames.contains("segfault.py:10 idle") })
        #expect(findingKinds(report) == ["fatal_signal"])
        #expect(result.stderr.contains("killed by SIGSEGV at"))
        expectMeasured(report)
    }

    @Test func cStackOverflowIsACrashWithTheStack() throws {
        let result = try BinaryHarness.run(["run", fixture("c_stack_overflow.py")], json: true)
        #expect(result.status == 139)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "crash")
        #expect(stacks(report).first?.frames.prefix(2) == ["c_stack_overflow.py:14 show", "c_stack_overflow.py:18 <module>"])
    }

    @Test func osExitKeepsItsStatusAndSaysWhereItWasCalled() throws {
        let result = try BinaryHarness.run(["run", fixture("os_exit.py"), "3"], json: true)
        #expect(result.status == 3)
        #expect(!result.stdout.contains("atexit ran"))
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "error")
        #expect(findingKinds(report) == ["os_exit"])
        #expect(stacks(report).first?.frames == ["os_exit.py:8 leave", "os_exit.py:13 <module>"])
        expectMeasured(report)
    }

    @Test func recursionErrorIsAnErrorWithTheInnermostFrames() throws {
        let result = try BinaryHarness.run(["run", fixture("recursion.py")], json: true)
        #expect(result.status == 1)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "error")
        let exception = try #require(report["exception"] as? [String: Any])
        #expect(exception["type"] as? String == "RecursionError")
        let stack = frames(exception["stack"])
        #expect(stack.count == 100)
        #expect(stack.first == "recursion.py:5 down")
        #expect(findingKinds(report) == ["recursion"])
    }

    @Test func memoryBlowUpUnderMemoryLimitIsStoppedWithItsOwnVerdictAndStatus() throws {
        let result = try BinaryHarness.run(["run", "--memory-limit", "256M", fixture("memory_hog.py")], json: true)
        #expect(result.status == 125)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "memory_limit")
        #expect(findingKinds(report) == ["memory_limit"])
        #expect((report["exception"] as? [String: Any])?["type"] as? String == "MemoryError")
        #expect(frames((report["exception"] as? [String: Any])?["stack"]).first == "memory_hog.py:7 grow")
        // It grew to the limit and no further.
        let peak = report["peak_rss_bytes"] as? Int ?? 0
        #expect(peak > 150 << 20 && peak < 300 << 20, "peak \(peak)")
        #expect(result.stdout.contains("128 MiB"))
        #expect(result.stderr.contains("pyinspect: memory_limit"))
    }

    @Test func runningOutOfFileDescriptorsStillWritesTheEndOfTheRun() throws {
        let result = try BinaryHarness.run(["run", fixture("fd_exhaustion.py")], json: true)
        #expect(result.status == 1)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "error")
        #expect(findingKinds(report) == ["file_descriptors"])
        // The end record needed a descriptor the target had none of: gc figures and threads prove it arrived.
        #expect(report["gc"] as? [String: Any] != nil)
        #expect((report["threads"] as? [Any])?.count == 1)
        #expect(!diagnostics(report).contains { $0.contains("without finalizing") })
    }

    @Test func hangIsStoppedAtTheTimeoutWithTheStackWhereItHung() throws {
        let result = try BinaryHarness.run(["run", "--timeout", "0.5", fixture("hang.py")], json: true)
        #expect(result.status == 124)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "timeout")
        let all = stacks(report)
        // Only the target's threads: the watchdog that took the snapshot is not one of them.
        #expect(all.map(\.name) == ["MainThread"])
        #expect(all.first?.frames == ["hang.py:10 stuck", "hang.py:13 <module>"])
    }

    @Test func sigtermSentToPyinspectStopsTheTargetWithItsStack() throws {
        let report = NSTemporaryDirectory() + "pyinspect-term-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let running = try RunningBinary(["run", "--json", report, fixture("wait_then_die.py")])
        #expect(running.waitForOutput("ready"))
        running.signal(SIGTERM)
        let end = running.finish()
        #expect(end.status == 143)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["verdict"] as? String == "interrupted")
        #expect((json["target_exit"] as? [String: Any])?["signal"] as? Int == 15)
        // Line 6 or 7: the signal may land just after "ready" was printed or inside the wait.
        let main = stacks(json).first?.frames ?? []
        #expect(main.last == "wait_then_die.py:10 <module>")
        #expect(main.dropLast().last.map { $0.hasPrefix("wait_then_die.py:") && $0.hasSuffix(" wait_for_signal") } == true, "\(main)")
        #expect(end.stderr.contains("stopped by SIGTERM"))
    }

    @Test func ctrlCSentToPyinspectGivesKeyboardInterruptWithItsStack() throws {
        let report = NSTemporaryDirectory() + "pyinspect-int-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let running = try RunningBinary(["run", "--json", report, fixture("wait_then_die.py")])
        #expect(running.waitForOutput("ready"))
        running.signal(SIGINT)
        let end = running.finish()
        #expect(end.status == 130)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["verdict"] as? String == "interrupted")
        let exception = json["exception"] as? [String: Any]
        #expect(exception?["type"] as? String == "KeyboardInterrupt")
        let stack = frames(exception?["stack"])
        #expect(stack.last == "wait_then_die.py:10 <module>")
        #expect(stack.contains { $0.hasPrefix("wait_then_die.py:") && $0.hasSuffix(" wait_for_signal") }, "\(stack)")
        #expect(json["gc"] as? [String: Any] != nil)
    }

    @Test func targetThatFightsTheInstrumentsStillGetsAReportSayingWhatItDisabled() throws {
        // A relative --json and a relative TMPDIR (the capture directory) must survive the target's chdir.
        let directory = NSTemporaryDirectory() + "pyinspect-fights-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/captures", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try BinaryHarness.run(
            ["run", "--json", "report.json", fixture("fights_instruments.py")],
            environment: ["PYTHONTRACEMALLOC": "1", "TMPDIR": "captures"], directory: directory)
        #expect(result.status == 5, "stderr: \(result.stderr)")
        #expect(result.stdout == "before closing\n")
        // pyinspect's own summary still reaches the user although the target closed its fd 2.
        #expect(result.stderr.contains("pyinspect: error — exit status 5"))
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["verdict"] as? String == "error")
        // The forked child exited 9 through its own atexit handlers: the report is the target's (5).
        #expect((report["target_exit"] as? [String: Any])?["code"] as? Int == 5)
        // What could still be measured: the end of the run arrived (gc figures, threads).
        let gc = try #require(report["gc"] as? [String: Any])
        #expect(gc["enabled_at_end"] as? Bool == false)
        #expect((report["threads"] as? [Any])?.count == 1)
        let said = diagnostics(report).joined(separator: "\n")
        for expected in [
            "gc.disable()", "removed pyinspect's gc callback", "stopped tracemalloc", "sys.setprofile",
            "sys.settrace", "replaced sys.stdout and sys.stderr", "closed fd 1, 2", "changed directory to",
            "signal handlers: SIGTERM, SIGUSR1 (ignored)", "forked (os.fork)",
        ] {
            #expect(said.contains(expected), "missing \(expected) in \(said)")
        }
        #expect(!said.contains("without finalizing"))
    }

    @Test func targetThatStopsTracemallocWhileTheHangMonitorTicksDoesNotCrash() throws {
        // On main before the fix this died with SIGSEGV in tracemalloc_add_trace on the hang monitor's thread
        // (3 runs of 3): the monitor made a thread state without the GIL on every tick (host_thread_state.c).
        let result = try BinaryHarness.run(
            ["run", fixture("tracemalloc_start_stop.py")], json: true, environment: ["PYTHONTRACEMALLOC": "1"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "stopped 1500 times\n")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "clean")
    }
}
