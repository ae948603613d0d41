import Foundation
import Testing

/// `run`'s `processes`: every Python child (started through pyinspect-python) and every fork of the target,
/// measured on its own, on fixtures whose process trees are known (Tests/Fixtures/processes/).
@Suite struct ProcessesTests {
    static let mebibyte = 1_048_576.0

    func run(_ fixture: String) throws -> (report: [String: Any], processes: [[String: Any]], stderr: String) {
        let result = try BinaryHarness.run(["run", BinaryHarness.fixture("processes/\(fixture)")], json: true)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try #require(result.report, "no report: \(result.stderr)")
        let processes = try #require(report["processes"] as? [[String: Any]], "no processes: \(result.stderr)")
        return (report, processes, result.stderr)
    }

    func number(_ object: [String: Any], _ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? -1 }

    func withRole(_ processes: [[String: Any]], _ role: String, _ method: String? = nil) -> [[String: Any]] {
        processes.filter { $0["role"] as? String == role && (method == nil || $0["start_method"] as? String == method) }
    }

    @Test func spawnPoolWorkersAreEachMeasured() throws {
        let (report, processes, stderr) = try run("spawn_pool.py")
        let workers = withRole(processes, "multiprocessing worker", "spawn")
        #expect(workers.count == 3, "\(processes)")
        for worker in workers {
            #expect(worker["parent_pid"] as? Int == report["pid"] as? Int)
            #expect(worker["exit_status"] as? Int == 0)
            #expect(worker["verdict"] as? String == "clean")
            #expect((worker["findings"] as? [Any])?.isEmpty == true)
            // Each ran one task of 1.5 M iterations (about 0.2 s of CPU): far more than start-up alone.
            #expect(number(worker, "cpu_s") > 0.05)
            #expect(number(worker, "wall_s") >= number(worker, "cpu_s") * 0.5)
            #expect(number(worker, "peak_rss_bytes") > 5 * Self.mebibyte)
            #expect((worker["command"] as? String)?.contains("spawn_main") == true)
        }
        #expect(withRole(processes, "resource tracker").count == 1)
        #expect(stderr.contains("3 multiprocessing workers (spawn): cpu"), "\(stderr)")
        #expect(stderr.contains("all exit 0"), "\(stderr)")
        // The target's own CPU, without its workers'.
        #expect(number(report, "cpu_s") < workers.map { number($0, "cpu_s") }.reduce(0, +))
    }

    @Test func forkserverWorkersAreChildrenOfTheForkserver() throws {
        let (report, processes, stderr) = try run("forkserver_pool.py")
        let servers = withRole(processes, "forkserver")
        #expect(servers.count == 1, "\(processes)")
        let server = try #require(servers.first)
        #expect(server["parent_pid"] as? Int == report["pid"] as? Int)
        #expect(server["exit_status"] as? Int == 0)
        let workers = withRole(processes, "multiprocessing worker", "forkserver")
        #expect(workers.count == 2, "\(processes)")
        for worker in workers {
            #expect(worker["parent_pid"] as? Int == server["pid"] as? Int)
            #expect(worker["exit_status"] as? Int == 0)
            #expect(number(worker, "cpu_s") >= 0)
            #expect(number(worker, "peak_rss_bytes") > Self.mebibyte)
        }
        #expect(stderr.contains("2 multiprocessing workers (forkserver):"), "\(stderr)")
    }

    @Test func forkedProcessesAreListedWithWhereTheyForkedAndHowTheyEnded() throws {
        let (report, processes, _) = try run("fork_process.py")
        let worker = try #require(withRole(processes, "multiprocessing worker", "fork").first, "\(processes)")
        #expect(worker["parent_pid"] as? Int == report["pid"] as? Int)
        #expect(worker["exit_status"] as? Int == 0)
        // Its 20 MiB bytearray, on top of the pages it shares with the target.
        #expect(number(worker, "peak_rss_bytes") >= 20 * Self.mebibyte)
        let plain = try #require(withRole(processes, "fork").first, "\(processes)")
        #expect(plain["exit_status"] as? Int == 3)
        #expect(plain["verdict"] as? String == "error")
        #expect((plain["findings"] as? [[String: Any]])?.first?["kind"] as? String == "exit_status")
        let site = try #require((plain["fork_site"] as? [[String: Any]])?.first)
        #expect((site["file"] as? String)?.hasSuffix("fork_process.py") == true)
        let source = try String(contentsOfFile: BinaryHarness.fixture("processes/fork_process.py"), encoding: .utf8)
        let forkLine = try #require(source.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("pid = os.fork()") }) + 1
        #expect(site["line"] as? Int == forkLine)
    }

    @Test func aSubprocessAllocating40MiBCarriesItsOwnPeakNotTheTarget() throws {
        let (report, processes, stderr) = try run("subprocess_child.py")
        let child = try #require(withRole(processes, "subprocess").first, "\(processes)")
        #expect(processes.count == 1)
        #expect(child["exit_status"] as? Int == 0)
        #expect(number(child, "peak_rss_bytes") >= 40 * Self.mebibyte)
        #expect(number(report, "peak_rss_bytes") > 0)
        #expect(number(report, "peak_rss_bytes") < 40 * Self.mebibyte)
        #expect(stderr.contains("1 subprocess: cpu"), "\(stderr)")
    }

    @Test func allocationsAreSampledInAChildThroughSysExecutable() throws {
        let result = try BinaryHarness.run(
            ["run", "--allocations", BinaryHarness.fixture("processes/subprocess_child.py")], json: true,
            environment: ["PYINSPECT_ALLOC_SEED": "7"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(result.report)
        let child = try #require((report["processes"] as? [[String: Any]])?.first, "\(result.stderr)")
        let section = try #require(child["allocations"] as? [String: Any], "\(child)")
        // One 40 MiB bytearray: always sampled, estimated at its size plus at most one sample (256 KiB).
        #expect(number(section, "peak_bytes") >= 40 * Self.mebibyte)
        #expect(number(section, "peak_bytes") <= 41 * Self.mebibyte)
        let top = try #require((section["sites"] as? [[String: Any]])?.first)
        #expect(top["file"] as? String == "<string>" && top["line"] as? Int == 1)
        // The target's own allocations stay its own.
        let own = try #require(report["allocations"] as? [String: Any])
        #expect(number(own, "peak_bytes") < 20 * Self.mebibyte)
        #expect(result.stderr.contains("allocations peak 40."), "\(result.stderr)")
    }

    @Test func hangEventsInAChildAreThatChildsFindings() throws {
        let (report, processes, stderr) = try run("child_never_awaits.py")
        let child = try #require(withRole(processes, "subprocess").first, "\(processes)")
        let finding = try #require((child["findings"] as? [[String: Any]])?.first { $0["kind"] as? String == "never_awaited" })
        #expect((finding["site"] as? [String: Any])?["line"] as? Int == 5)
        #expect((report["findings"] as? [Any])?.isEmpty == true)  // not the target's
        #expect(stderr.contains("never_awaited: coroutine 'fetch' was never awaited"), "\(stderr)")
    }

    @Test func aChildKilledBySIGKILLIsListedWithWhatItsParentSaw() throws {
        let (_, processes, stderr) = try run("killed_child.py")
        let child = try #require(withRole(processes, "subprocess").first, "\(processes)")
        #expect(child["signal"] as? Int == 9)
        #expect(child["signal_name"] as? String == "SIGKILL")
        #expect(child["exit_status"] == nil)
        #expect(child["verdict"] as? String == "crash")
        #expect(number(child, "wall_s") > 0)
        #expect(number(child, "cpu_s") >= 0)  // from the parent's wait4
        #expect((child["findings"] as? [[String: Any]])?.first?["kind"] as? String == "fatal_signal")
        #expect(stderr.contains("1 subprocess: cpu"), "\(stderr)")
        #expect(stderr.contains("killed by SIGKILL"), "\(stderr)")
    }

    /// gunicorn from PyPI (`make test` installs it in .venv-test/): a pre-fork server with 2 workers on a free
    /// loopback port, driven by 20 requests, then stopped through its own /stop route (SIGTERM to the master).
    @Test func gunicornPreForkWorkersAreMeasured() throws {
        let venv = BinaryHarness.packageRoot.appendingPathComponent(".venv-test").path
        #expect(
            FileManager.default.fileExists(atPath: venv + "/bin/gunicorn"),
            "gunicorn is missing: run `make test-venv` (make test does)")
        guard FileManager.default.fileExists(atPath: venv + "/bin/gunicorn") else { return }
        let reportPath = NSTemporaryDirectory() + "pyinspect-gunicorn-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: reportPath) }
        let fixtures = BinaryHarness.fixture("processes")
        let server = try RunningBinary(
            ["run", "--json", reportPath, "-m", "gunicorn", "--config", fixtures + "/gunicorn_conf.py",
             "--chdir", fixtures, "wsgi_app:app"],
            environment: ["VIRTUAL_ENV": venv])
        let line = try #require(server.waitForLine(containing: "ready on port "), "gunicorn did not start")
        let port = try #require(Int(line.split(separator: " ").last ?? ""))
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        client.arguments = [fixtures + "/http_client.py", String(port), "20"]
        try client.run()
        client.waitUntilExit()
        #expect(client.terminationStatus == 0)
        let end = server.finish()
        #expect(end.status == 0, "\(end.stderr)")
        let data = try #require(FileManager.default.contents(atPath: reportPath), "\(end.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let processes = try #require(report["processes"] as? [[String: Any]], "\(end.stderr)")
        let workers = withRole(processes, "fork")
        #expect(workers.count == 2, "\(processes)")
        for worker in workers {
            #expect(worker["parent_pid"] as? Int == report["pid"] as? Int)
            #expect(worker["exit_status"] as? Int == 0)
            #expect(number(worker, "cpu_s") >= 0)
            #expect(number(worker, "peak_rss_bytes") > Self.mebibyte)
            let site = (worker["fork_site"] as? [[String: Any]])?.first
            #expect((site?["file"] as? String)?.hasSuffix("gunicorn/arbiter.py") == true)
        }
        #expect(end.stderr.contains("2 forked processes:"), "\(end.stderr)")
    }

    // Children without instruments (docs/processes.md "Children without instruments").
    @Test func aPythonChildWithACleanedEnvironmentIsListedFromItsReaper() throws {
        let (report, processes, stderr) = try run("cleaned_env_child.py")
        let child = try #require(withRole(processes, "subprocess").first, "\(processes)")
        #expect(processes.count == 1)
        #expect(child["instrumented"] as? Bool == false)
        #expect((child["note"] as? String)?.contains("PYINSPECT_CHILD_DIR") == true)
        #expect(child["parent_pid"] as? Int == report["pid"] as? Int)
        #expect(child["exit_status"] as? Int == 7)  // from wait4 in the wrapped os.waitpid
        #expect(child["verdict"] as? String == "error")
        #expect(number(child, "cpu_s") > 0)
        #expect(number(child, "wall_s") > 0)
        #expect(child["peak_rss_bytes"] == nil)
        #expect((child["command"] as? String)?.contains("range(1_500_000)") == true)
        #expect(stderr.contains("1 subprocess without instruments:"), "\(stderr)")
    }

    @Test func aShellCommandIsListedAsACommand() throws {
        let (_, processes, stderr) = try run("shell_command.py")
        let child = try #require(withRole(processes, "command").first, "\(processes)")
        #expect(processes.count == 1)
        #expect((child["command"] as? String)?.hasPrefix("sh -c 'i=0;") == true)
        #expect(child["exit_status"] as? Int == 3)
        #expect(child["instrumented"] as? Bool == false)
        #expect(stderr.contains("1 command: cpu"), "\(stderr)")
    }

    @Test func gilIsTracedInSpawnWorkersEachOnItsOwn() throws {
        let result = try BinaryHarness.run(
            ["run", "--gil", BinaryHarness.fixture("processes/gil_pool_workers.py")], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(result.report)
        let processes = try #require(report["processes"] as? [[String: Any]], "\(result.stderr)")
        let workers = withRole(processes, "multiprocessing worker", "spawn")
        #expect(workers.count == 2, "\(processes)")
        var limited = 0
        for worker in workers {
            let gil = try #require(worker["gil"] as? [String: Any], "\(worker)")
            #expect(gil["mode"] as? String == "exact")
            let threads = try #require(gil["threads"] as? [[String: Any]])
            // Named from the worker's own thread records; the two spinners share its GIL, so each waited for it.
            let spinners = threads.filter { ($0["name"] as? String)?.hasPrefix("spinner-") == true }
            #expect(spinners.count == 2, "\(threads)")
            // The worker's hang watcher (pyinspect's own thread) is left out, as the target's monitor is.
            #expect(threads.count == 3, "\(threads)")
            for spinner in spinners {
                #expect((spinner["acquisitions"] as? Int ?? 0) > 0)
                #expect(number(spinner, "waited_s") > 0, "\(spinner)")
            }
            #expect((gil["switches"] as? Int ?? 0) > 0)
            let verdict = try #require(gil["verdict"] as? [String: Any])
            if verdict["kind"] as? String != "not_gil_bound" { limited += 1 }
        }
        // The target's own section stays the target's: no spinner there.
        let own = try #require(report["gil"] as? [String: Any])
        let ownNames = ((own["threads"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(!ownNames.contains { $0.hasPrefix("spinner-") }, "\(ownNames)")
        // The group's line names GIL contention exactly when a worker's verdict is about the GIL.
        #expect(result.stderr.contains("    GIL: ") == (limited > 0), "\(result.stderr)")
    }

    @Test func aForkChildsABBADeadlockIsThatChildsFindingAndTheParentsWaitForItIsTheRunsDeadlock() throws {
        let fixture = BinaryHarness.fixture("processes/fork_abba_deadlock.py")
        let result = try BinaryHarness.run(["run", "--timeout", "60", fixture], json: true)
        // The parent blocked in os.waitpid for a child that can never end: the run's deadlock, not its timeout.
        #expect(result.status == 123, "\(result.stderr)")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "deadlock")
        let waits = (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "multiprocessing_deadlock" }
        #expect(waits.count == 1 && (waits.first?["site"] as? [String: Any])?["line"] as? Int == 35, "\(waits)")
        #expect((waits.first?["message"] as? String)?.contains("waits for process") == true, "\(waits)")
        let processes = try #require(report["processes"] as? [[String: Any]], "\(result.stderr)")
        let child = try #require(withRole(processes, "fork").first, "\(processes)")
        let deadlocks = ((child["findings"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "deadlock" }
        #expect(deadlocks.count == 2, "\(child)")
        let source = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let lines = Set(source.indices.filter { source[$0].contains("# ABBA") }.map { $0 + 1 })
        #expect(Set(deadlocks.compactMap { ($0["site"] as? [String: Any])?["line"] as? Int }) == lines, "\(deadlocks)")
        for finding in deadlocks {
            #expect(Set((finding["cycle"] as? [String]) ?? []) == ["forward", "backward"], "\(finding)")
        }
        let top = try #require((report["findings"] as? [[String: Any]])?.first { $0["kind"] as? String == "child_deadlock" })
        #expect((top["message"] as? String)?.contains("process \(child["pid"] as? Int ?? -1) (fork) deadlocked") == true)
    }

    @Test func aPoolWorkersDeadlockIsNamedWhenTheTimeoutEndsTheRun() throws {
        // The parent waits for a result (a condition), not for the process: only --timeout ends the run.
        let result = try BinaryHarness.run(["run", "--timeout", "6", BinaryHarness.fixture("processes/pool_worker_deadlock.py")], json: true)
        #expect(result.status == 124, "\(result.stderr)")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "timeout")
        #expect((report["findings"] as? [[String: Any]])?.contains { $0["kind"] as? String == "child_deadlock" } == true,
                "\(report["findings"] ?? [])")
        #expect(result.stderr.contains("stopped at the timeout while a child process was deadlocked"), "\(result.stderr)")
    }

    @Test func aChildsTaskAwaitingAFutureNobodySetsIsThatChildsDeadlock() throws {
        // Without --timeout: subprocess.run waits for the child, which the parent's monitor asks to watch itself.
        let result = try BinaryHarness.run(["run", BinaryHarness.fixture("processes/child_awaits_forever.py")], json: true)
        #expect(result.status == 123, "\(result.stderr)")
        let report = try #require(result.report)
        let processes = try #require(report["processes"] as? [[String: Any]], "\(result.stderr)")
        let child = try #require(withRole(processes, "subprocess").first, "\(processes)")
        let finding = try #require(
            (child["findings"] as? [[String: Any]])?.first { $0["kind"] as? String == "deadlock" }, "\(child)")
        #expect(finding["task"] as? String == "Task-1")
        // Line 6 of the child's program text: `await never`.
        #expect((finding["site"] as? [String: Any])?["line"] as? Int == 6, "\(finding)")
        #expect((report["findings"] as? [[String: Any]])?.contains { $0["kind"] as? String == "child_deadlock" } == true)
    }
}
