import Foundation
import Testing

/// Services (docs/services.md): a running target's control socket, checkpoints, diffs and dumps. Every step waits
/// for an event (a line the service prints, a client's exit), never for time to pass.
@Suite struct ServiceTests {
    func fixture(_ name: String) -> String { BinaryHarness.fixture("services/\(name)") }

    /// A private directory (mode 0700) for a control socket and reports.
    func privateDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pyinspect-service-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }

    /// Runs a fixture helper with /usr/bin/python3 to its end (the bounded load generators).
    func python(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func json(_ path: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func lineNumber(of marker: String, in file: String) throws -> Int {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(marker) }) + 1
    }

    /// The diff's types around one step of a fixture that prints "ready", then does its step when the file
    /// argv[1] appears and prints "done 1": a checkpoint, the step, a checkpoint, a diff.
    func typesGrownByTheStep(of name: String) throws -> [[String: Any]] {
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let flag = directory + "/go"
        let running = try RunningBinary(["run", "--control", socket, fixture(name), flag])
        defer {
            running.signal(SIGTERM)
            _ = running.finish()
        }
        #expect(running.waitForOutput("ready"))
        #expect(try BinaryHarness.run(["checkpoint", socket]).status == 0)
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        #expect(running.waitForOutput("done 1"))
        #expect(try BinaryHarness.run(["checkpoint", socket]).status == 0)
        let diffPath = directory + "/diff.json"
        let diffRun = try BinaryHarness.run(["diff", socket, "--json", diffPath])
        #expect(diffRun.status == 0, "\(diffRun.stderr)")
        let diff = try #require(try json(diffPath)["diff"] as? [String: Any])
        return diff["types"] as? [[String: Any]] ?? []
    }

    func delta(_ types: [[String: Any]], _ type: String) -> Int {
        types.first { $0["type"] as? String == type }?["delta"] as? Int ?? 0
    }

    @Test func pyinspectsRecordOfEachThreadIsNotTheTargetsGrowth() throws {
        // GIVEN a target that starts a thread per job and keeps nothing: 300 threads started and ended
        let types = try typesGrownByTheStep(of: "thread_per_job.py")
        // THEN no type grew by a dict per thread, and no chain runs through pyinspect's own modules
        let dicts = delta(types, "dict")
        #expect(dicts < 150, "300 threads left \(dicts) dicts: \(types.prefix(5))")
        let chains = types.flatMap { $0["chain"] as? [[String: Any]] ?? [] }
        #expect(!chains.contains { ($0["repr"] as? String ?? "").contains("_pyinspect") }, "\(chains)")
    }

    @Test func theLockInstrumentsSitesAreNotTheTargetsGrowth() throws {
        // GIVEN a target that keeps 400 more connections, each with a Lock (no __dict__: __slots__)
        let types = try typesGrownByTheStep(of: "lock_per_connection.py")
        // THEN the connections grew by 400, and dicts not by one per lock
        #expect(delta(types, "__main__.Connection") == 400, "\(types.prefix(5))")
        let dicts = delta(types, "dict")
        #expect(dicts < 100, "400 locks left \(dicts) dicts: \(types.prefix(5))")
        // Each lock counts once, as the lock it is, not also as pyinspect's wrapper around it.
        #expect(delta(types, "_thread.lock") == 400, "\(types.prefix(5))")
        #expect(!types.contains { ($0["type"] as? String ?? "").hasPrefix("_pyinspect.") }, "\(types.prefix(5))")
    }

    @Test func wsgiLeakIsNamedByLineAndChainAndCleanEndpointsAreNotBlamed() throws {
        // GIVEN a wsgiref app served under `run --control`, warmed up by traffic on every endpoint
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let report = directory + "/report.json"
        let app = fixture("wsgi_leak.py")
        let running = try RunningBinary(["run", "--control", socket, "--json", report, app])
        let listening = try #require(running.waitForLine(containing: "listening on"))
        let port = try #require(listening.split(separator: " ").last.map(String.init))
        #expect(try python([fixture("load.py"), port, "30", "/leak", "/clean", "/hello"]) == 0)
        let socketMode = try FileManager.default.attributesOfItem(atPath: socket)[.posixPermissions] as? Int
        #expect(socketMode == 0o600)

        // WHEN a checkpoint, more traffic, a checkpoint, and a diff
        let first = try BinaryHarness.run(["checkpoint", socket, "--name", "before", "--json", directory + "/c1.json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try python([fixture("load.py"), port, "200", "/leak", "/clean", "/hello"]) == 0)
        let second = try BinaryHarness.run(["checkpoint", socket, "--name", "after"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("checkpoint 2 \"after\""))
        let diffPath = directory + "/diff.json"
        let diffRun = try BinaryHarness.run(["diff", socket, "--json", diffPath])
        #expect(diffRun.status == 0, "\(diffRun.stderr)")

        // THEN the leaking line grew most, clean endpoints' lines did not grow, and a dict's chain reaches SEEN
        let diff = try #require(try json(diffPath)["diff"] as? [String: Any])
        let diffValid = try ReportSchemaTests.validate(diffPath)
        #expect(diffValid.status == 0, "\(diffValid.output)")
        #expect((diff["from"] as? [String: Any])?["name"] as? String == "before")
        #expect((diff["to"] as? [String: Any])?["name"] as? String == "after")
        let sites = try #require(diff["sites"] as? [[String: Any]])
        let top = try #require(sites.first)
        #expect((top["file"] as? String)?.hasSuffix("wsgi_leak.py") == true)
        #expect(top["line"] as? Int == (try lineNumber(of: "# LEAK", in: app)))
        #expect((top["bytes_delta"] as? Int ?? 0) > 0)
        #expect(!(top["traceback"] as? [[String: Any]] ?? []).isEmpty)
        let cleanLines = [try lineNumber(of: "# CLEAN", in: app), try lineNumber(of: "# HELLO", in: app)]
        let blamed = sites.filter { ($0["file"] as? String)?.hasSuffix("wsgi_leak.py") == true }.compactMap { $0["line"] as? Int }
        #expect(blamed.allSatisfy { !cleanLines.contains($0) }, "clean endpoints blamed: \(sites)")
        let types = try #require(diff["types"] as? [[String: Any]])
        let dict = try #require(types.first { $0["type"] as? String == "dict" })
        #expect((dict["delta"] as? Int ?? 0) >= 200)
        let chain = try #require(dict["chain"] as? [[String: Any]])
        #expect(chain.contains { ($0["repr"] as? String ?? "").contains("__main__") || ($0["via"] as? String ?? "").contains("SEEN") },
                "\(chain)")

        // AND a malformed request gets an error reply, the target lives on, and a dump shows the serving stack
        #expect(try python(["-c", """
            import socket, sys
            for line in (b'garbage\\n', b'{"command": "eval", "code": "1"}\\n', b'{' * 10000 + b'\\n'):
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(line)
                reply = s.recv(4096); s.close()
                assert b'"ok":false' in reply, reply
            """, socket]) == 0)
        let dump = try BinaryHarness.run(["dump", socket])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout.contains("serve_forever"))

        // AND SIGINT to pyinspect: the report lists both checkpoints, exit 130, the socket is gone
        running.signal(SIGINT)
        let end = running.finish()
        #expect(end.status == 130, "\(end.stderr)")
        let checkpoints = try #require(try json(report)["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.compactMap { $0["name"] as? String } == ["before", "after"])
        let reportValid = try ReportSchemaTests.validate(report)
        #expect(reportValid.status == 0, "\(reportValid.output)")
        #expect(!FileManager.default.fileExists(atPath: socket))
    }

    /// waitress from PyPI (`make test` installs it in .venv-test/): requests served by its worker threads.
    @Test func waitressLeakIsNamedAndCleanEndpointsAreNotBlamedOnceWarm() throws {
        let venv = BinaryHarness.packageRoot.appendingPathComponent(".venv-test").path
        let installed = FileManager.default.fileExists(atPath: venv + "/lib/python3.11/site-packages/waitress")
        #expect(installed, "waitress is missing: run `make test-venv` (make test does)")
        guard installed else { return }
        // GIVEN the app under waitress, warmed up by bounded traffic on every endpoint
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let app = fixture("waitress_leak.py")
        let report = directory + "/report.json"
        let running = try RunningBinary(["run", "--control", socket, "--json", report, app], environment: ["VIRTUAL_ENV": venv])
        let listening = try #require(running.waitForLine(containing: "listening on"), "waitress did not start")
        let port = try #require(listening.split(separator: " ").last.map(String.init))
        #expect(try python([fixture("load.py"), port, "30", "/leak", "/clean", "/hello"]) == 0)

        // WHEN a checkpoint once warm, more traffic, a checkpoint, and a diff
        let warm = try BinaryHarness.run(["checkpoint", socket, "--name", "warm"])
        #expect(warm.status == 0, "\(warm.stderr)")
        #expect(try python([fixture("load.py"), port, "200", "/leak", "/clean", "/hello"]) == 0)
        let after = try BinaryHarness.run(["checkpoint", socket, "--name", "after"])
        #expect(after.status == 0, "\(after.stderr)")
        let diffPath = directory + "/diff.json"
        let diffRun = try BinaryHarness.run(["diff", socket, "warm", "after", "--json", diffPath])
        #expect(diffRun.status == 0, "\(diffRun.stderr)")

        // THEN the leaking line grew most and neither clean endpoint's line grew
        let diff = try #require(try json(diffPath)["diff"] as? [String: Any])
        let sites = try #require(diff["sites"] as? [[String: Any]])
        let top = try #require(sites.first, "no site grew: \(diff)")
        #expect((top["file"] as? String)?.hasSuffix("waitress_leak.py") == true, "\(sites)")
        #expect(top["line"] as? Int == (try lineNumber(of: "# LEAK", in: app)))
        #expect((top["bytes_delta"] as? Int ?? 0) > 0)
        let cleanLines = [try lineNumber(of: "# CLEAN", in: app), try lineNumber(of: "# HELLO", in: app)]
        let blamed = sites.filter { ($0["file"] as? String)?.hasSuffix("waitress_leak.py") == true }.compactMap { $0["line"] as? Int }
        #expect(blamed.allSatisfy { !cleanLines.contains($0) }, "clean endpoints blamed: \(sites)")
        // AND the kept dicts are counted and held by SEEN
        let types = try #require(diff["types"] as? [[String: Any]])
        let dict = try #require(types.first { $0["type"] as? String == "dict" })
        #expect((dict["delta"] as? Int ?? 0) >= 200)
        let chain = try #require(dict["chain"] as? [[String: Any]])
        #expect(chain.contains { ($0["via"] as? String ?? "").contains("SEEN") }, "\(chain)")
        // AND Ctrl-C: the report lists both checkpoints. waitress catches the KeyboardInterrupt and returns, so the
        // run ends 0 or, when pyinspect saw the interrupt first, 130.
        running.signal(SIGINT)
        let end = running.finish()
        #expect(end.status == 0 || end.status == 130, "\(end.stderr)")
        let checkpoints = try #require(try json(report)["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.compactMap { $0["name"] as? String } == ["warm", "after"])
    }

    @Test func checkpointOnABigHeapCountsEveryObjectAndTellsWhatWasBornSince() throws {
        // GIVEN a target with ~700 000 objects and a thread that keeps running
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let flag = directory + "/grow"
        let app = fixture("big_heap_grow.py")
        let running = try RunningBinary(["run", "--control", socket, app, flag])
        #expect(running.waitForOutput("ready"))

        // WHEN a checkpoint, 5000 records kept, a checkpoint, and a diff
        let first = try BinaryHarness.run(["checkpoint", socket, "--json", directory + "/c1.json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        #expect(running.waitForOutput("grown 1"))
        let second = try BinaryHarness.run(["checkpoint", socket])
        #expect(second.status == 0, "\(second.stderr)")
        let diffPath = directory + "/diff.json"
        let diffRun = try BinaryHarness.run(["diff", socket, "--json", diffPath])
        #expect(diffRun.status == 0, "\(diffRun.stderr)")

        // THEN the census counted the whole heap (the dicts and their strings and ints, untracked by the gc)
        let checkpoint = try #require(try json(directory + "/c1.json")["checkpoint"] as? [String: Any])
        #expect((checkpoint["objects"] as? Int ?? 0) >= 660_000, "\(checkpoint)")
        #expect((checkpoint["pause_s"] as? Double ?? -1) >= 0)
        // AND the diff finds the 5000 dicts and ints kept, and a dict born since the first checkpoint held by
        // GROWN (not one of the 220 000 records that were there before)
        let diff = try #require(try json(diffPath)["diff"] as? [String: Any])
        let types = try #require(diff["types"] as? [[String: Any]])
        let dict = try #require(types.first { $0["type"] as? String == "dict" })
        // (the interpreter's and pyinspect's own objects made or freed meanwhile move it a little: ~150 more on
        // a busy machine, one int fewer seen once)
        #expect((4900..<5500).contains(dict["delta"] as? Int ?? 0), "\(types.prefix(5))")
        let int = try #require(types.first { $0["type"] as? String == "int" })
        #expect((4900..<5500).contains(int["delta"] as? Int ?? 0), "\(types.prefix(5))")
        let chain = try #require(dict["chain"] as? [[String: Any]])
        #expect(chain.contains { ($0["via"] as? String ?? "").contains("GROWN") }, "\(chain)")
        #expect((dict["sample"] as? String ?? "").contains("grown-0-"), "\(dict)")
        running.signal(SIGTERM)
        _ = running.finish()
    }

    @Test func checkpointWhileACCallHoldsTheGILAnswersAndSaysSo() throws {
        // GIVEN a target whose main thread sits in a C call that keeps the GIL
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let running = try RunningBinary(["run", "--control", socket, fixture("long_c_call.py")])
        #expect(running.waitForOutput("entering C call"))
        // WHEN a checkpoint is asked for
        let asked = try BinaryHarness.run(["checkpoint", socket])
        // THEN it answers, naming the GIL held in a C call, with the busy status
        #expect(asked.status == 75, "\(asked.stdout) \(asked.stderr)")
        #expect(asked.stderr.contains("holds the GIL in a C call"))
        running.signal(SIGTERM)
        _ = running.finish()
    }

    @Test func asyncioTaskLeakShowsInTheTasksDelta() throws {
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let running = try RunningBinary(["run", "--control", socket, fixture("task_leak.py")])
        let listening = try #require(running.waitForLine(containing: "listening on"))
        let port = try #require(listening.split(separator: " ").last.map(String.init))
        #expect(try BinaryHarness.run(["checkpoint", socket]).status == 0)
        #expect(try python([fixture("tcp_load.py"), port, "25"]) == 0)
        #expect(try BinaryHarness.run(["checkpoint", socket]).status == 0)
        let diffPath = directory + "/diff.json"
        #expect(try BinaryHarness.run(["diff", socket, "--json", diffPath]).status == 0)
        let diff = try #require(try json(diffPath)["diff"] as? [String: Any])
        // 25 lingering tasks; the last connection's handler may not have finished yet when the checkpoint runs.
        let tasks = diff["tasks"] as? Int ?? 0
        #expect(tasks >= 25 && tasks <= 26, "tasks delta \(tasks)")
        let dump = try BinaryHarness.run(["dump", socket])
        #expect(dump.stdout.contains("linger"), "\(dump.stdout)")
        running.signal(SIGINT)
        _ = running.finish()
    }

    @Test func checkpointsCarryGILFiguresOfTheTargetsThreadsWithGil() throws {
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let running = try RunningBinary(["run", "--gil", "--control", socket, fixture("wsgi_leak.py")])
        let listening = try #require(running.waitForLine(containing: "listening on"))
        let port = try #require(listening.split(separator: " ").last.map(String.init))
        #expect(try BinaryHarness.run(["checkpoint", socket]).status == 0)
        #expect(try python([fixture("load.py"), port, "20", "/hello"]) == 0)
        let path = directory + "/c2.json"
        #expect(try BinaryHarness.run(["checkpoint", socket, "--json", path]).status == 0)
        let checkpoint = try #require(try json(path)["checkpoint"] as? [String: Any])
        let gil = try #require(checkpoint["gil"] as? [String: Any])
        let threads = try #require(gil["threads"] as? [[String: Any]])
        // The main thread served the requests; pyinspect's own threads (no Python threads) are left out.
        #expect(threads.count == 1)
        #expect((threads.first?["held_s"] as? Double ?? 0) > 0)
        #expect((gil["acquisitions"] as? Int ?? 0) > 0)
        running.signal(SIGINT)
        _ = running.finish()
    }

    @Test func anotherUserIsRefusedAndAMissingTargetHasItsOwnStatus() throws {
        let directory = try privateDirectory()
        let socket = directory + "/control.sock"
        let running = try RunningBinary(["run", "--control", socket, fixture("task_leak.py")])
        #expect(running.waitForLine(containing: "listening on") != nil)
        // `nobody` cannot enter the directory nor connect: refused, status 77. (runuser needs root: skip otherwise)
        if getuid() == 0 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "nobody", "--", BinaryHarness.binary, "checkpoint", socket]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 77)
        }
        let missing = try BinaryHarness.run(["checkpoint", directory + "/nothing.sock"])
        #expect(missing.status == 68)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        running.signal(SIGINT)
        _ = running.finish()
    }

    @Test func controlInADirectoryOthersCanEnterIsRefused() throws {
        let result = try BinaryHarness.run(["run", "--control", "/tmp/pyinspect-open.sock", "-c", "pass"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("other users"))
    }
}
