import Foundation
import Testing

/// The JSON report of `run` and the timeout.
@Suite struct RunReportTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("run").path

    @Test func reportHasFiguresAndThreads() throws {
        let example = BinaryHarness.packageRoot.appendingPathComponent("examples/hello_threads.py").path
        let result = try BinaryHarness.run(["run", example], json: true)
        #expect(result.status == 0)
        let report = try #require(result.report)
        #expect(report["schema_version"] as? Int == 1)
        #expect(report["verdict"] as? String == "clean")
        #expect(report["exit_status"] as? Int == 0)
        #expect((report["wall_s"] as? Double ?? 0) > 0)
        #expect((report["cpu_s"] as? Double ?? 0) > 0)
        #expect((report["peak_rss_bytes"] as? Int ?? 0) > 1_000_000)
        let names = (report["threads"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["MainThread", "worker-0", "worker-1"])
        let gc = try #require(report["gc"] as? [String: Any])
        #expect((gc["collections"] as? [Int] ?? []).reduce(0, +) > 0)
        #expect(result.stderr.contains("pyinspect: clean"))
    }

    @Test func junitFileHasOneCaseFailedUnlessClean() throws {
        let path = NSTemporaryDirectory() + "pyinspect-junit-\(UUID().uuidString).xml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try BinaryHarness.run(["run", "--junit", path, "--quiet", "\(fixtures)/raises.py"])
        #expect(result.status == 1)
        let xml = try String(contentsOfFile: path, encoding: .utf8)
        #expect(xml.contains(#"<testsuites tests="1" failures="1""#))
        #expect(xml.contains("uncaught ValueError"))
        // Well-formed XML, as a CI parser needs it.
        let parse = Process()
        parse.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        parse.arguments = ["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", path]
        try parse.run()
        parse.waitUntilExit()
        #expect(parse.terminationStatus == 0)
    }

    @Test func quietPrintsNoSummary() throws {
        let result = try BinaryHarness.run(["run", "--quiet", "-c", "pass"])
        #expect(result.stderr == "")
    }

    @Test func timeoutStopsTargetAndReportsEveryThreadStack() throws {
        let result = try BinaryHarness.run(["run", "--timeout", "1", "\(fixtures)/sleeps_forever.py"], json: true)
        #expect(result.status == 124)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "timeout")
        let stacks = try #require(report["stacks"] as? [[String: Any]])
        let names = Set(stacks.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: ["MainThread", "ticker"]))
        let mainFrames = stacks.first { $0["name"] as? String == "MainThread" }?["frames"] as? [[String: Any]]
        #expect(mainFrames?.first?["file"] as? String == "\(fixtures)/sleeps_forever.py")
        #expect(mainFrames?.first?["line"] as? Int == 13)
    }

    @Test func timeoutWhileOneCCallHoldsTheGILStillReportsStacks() throws {
        let code = "import time\nprint('go', flush=True)\nsum(range(10**11))\n"
        let result = try BinaryHarness.run(["run", "--timeout", "0.5", "-c", code], json: true)
        #expect(result.status == 124)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "timeout")
        let stacks = report["stacks"] as? [[String: Any]] ?? []
        let frames = stacks.flatMap { $0["frames"] as? [[String: Any]] ?? [] }
        #expect(frames.contains { $0["file"] as? String == "<string>" && $0["line"] as? Int == 3 })
    }

    /// A C call that never lets the GIL go: the watchdog stops waiting for it (1 s), not the supervisor's SIGKILL
    /// 5 s later; threads keep their names without the end record; pyinspect's own threads are not listed.
    @Test func timeoutWhileOneCCallHoldsTheGILStopsPromptlyAndNamesThreads() throws {
        let code = "import threading\ndef spin():\n    while True: pass\n"
            + "threading.Thread(target=spin, name='py-spinner', daemon=True).start()\nsum(range(10**13))\n"
        let result = try BinaryHarness.run(["run", "--timeout", "0.5", "-c", code], json: true)
        #expect(result.status == 124)
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "timeout")
        // Stopped by the watchdog, not by the supervisor's SIGKILL (which says so in a diagnostic): behaviour,
        // not wall time, so a loaded machine cannot fail it.
        let diagnostics = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(!diagnostics.contains { $0.contains("was killed (SIGKILL)") }, "\(diagnostics)")
        let threads = (report["threads"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(threads == ["MainThread", "py-spinner"])
        let stacks = report["stacks"] as? [[String: Any]] ?? []
        #expect(Set(stacks.compactMap { $0["name"] as? String }) == ["MainThread", "py-spinner"])
        #expect(stacks.allSatisfy { !($0["frames"] as? [[String: Any]] ?? []).isEmpty })
        #expect((report["diagnostics"] as? [[String: Any]] ?? []).contains {
            ($0["message"] as? String)?.contains("the GIL stayed held") == true })
    }
}
