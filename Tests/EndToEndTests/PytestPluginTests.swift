import Foundation
import Testing

/// The pytest plugin on examples/pytest_demo: under `pyinspect test --leaks` exactly the leaking tests fail, each
/// with its site; under plain pytest every test passes; the markers work without --leaks.
@Suite(.serialized) struct PytestPluginTests {
    let demo = BinaryHarness.packageRoot.appendingPathComponent("examples/pytest_demo").path

    func pytest(_ arguments: [String], underPyinspect: Bool = true) throws -> BinaryHarness.Result {
        if underPyinspect {
            return try BinaryHarness.run(["test", "--quiet", "-q", "-p", "no:cacheprovider"] + arguments, directory: demo)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-m", "pytest", "-q", "-p", "no:cacheprovider"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: demo)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return BinaryHarness.Result(status: process.terminationStatus, stdout: text, stderr: "", report: nil)
    }

    func failed(_ output: String) -> Set<String> {
        Set(output.split(separator: "\n").filter { $0.hasPrefix("FAILED ") }.map {
            String($0.dropFirst("FAILED ".count).split(separator: " ").first ?? "")
        })
    }

    @Test func exactlyTheLeakingTestsFailWithTheirSites() throws {
        let result = try pytest(["--leaks", "test_app.py"])
        #expect(result.status == 1)
        #expect(failed(result.stdout) == [
            "test_app.py::test_remember_keeps_everything", "test_app.py::test_handler_added_per_request",
            "test_app.py::test_report_files_stay_open",
        ], "\(result.stdout)")
        #expect(result.stdout.contains("site: \(demo)/app.py:10"))
        #expect(result.stdout.contains("site: \(demo)/app.py:15"))
        #expect(result.stdout.contains("site: \(demo)/app.py:21"))
        #expect(result.stdout.contains("4 passed"))
    }

    @Test func withoutThePluginEveryTestPasses() throws {
        let result = try pytest(["test_app.py", "test_marked.py"], underPyinspect: false)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("9 passed"))
    }

    @Test func theMarkerChecksOneTestWithoutLeaksOption() throws {
        let result = try pytest(["test_marked.py"])
        #expect(failed(result.stdout) == ["test_marked.py::test_marked_leak"], "\(result.stdout)")
        #expect(result.stdout.contains("1 passed"))
        // The leaking test's letter is on the progress line, not lost to the teardown's captured output.
        let progress = result.stdout.split(separator: "\n").first { $0.hasSuffix("[100%]") } ?? ""
        #expect(progress.hasPrefix("F") || progress.hasPrefix(".F"), "\(result.stdout)")
        #expect(!result.stdout.contains("Captured stdout teardown"), "\(result.stdout)")
    }

    // Tests/Fixtures/pytest: clean tests whose harness state grows per call (sub-tests, monkeypatch, caplog, a
    // joined thread, tmp_path, captured output, properties, a recorded warning, a patched sys.implementation) and
    // two real leaks, one of them found while sys.implementation is patched. `filterwarnings = error` in its
    // pytest.ini, and -W error: a leak must fail its test cleanly, never through a pluggy warning.
    let harness = BinaryHarness.fixture("pytest")
    let harnessLeaks: Set<String> = [
        "test_harness_leak.py::test_real_leak", "test_harness_leak.py::test_leak_while_sys_patched",
    ]

    func expectHarnessVerdicts(_ result: BinaryHarness.Result) {
        let output = result.stdout + result.stderr
        #expect(result.status == 1, "\(output)")
        #expect(failed(result.stdout) == harnessLeaks, "\(output)")
        #expect(result.stdout.contains("7 passed"), "\(output)")
        #expect(result.stdout.contains("site: \(harness)/holder.py:6"), "\(output)")
        // Each leak is reported as its own test's failure, with the leak report as the failure.
        #expect(result.stdout.contains("pyinspect: test_harness_leak.py::test_real_leak leaks"), "\(output)")
        #expect(result.stdout.contains("pyinspect: test_harness_leak.py::test_leak_while_sys_patched leaks"))
        #expect(!output.contains("PluggyTeardownRaisedWarning"), "\(output)")
        #expect(!output.contains("INTERNALERROR"), "\(output)")
        #expect(!output.contains(" error in ") && !output.contains(" errors in "), "\(output)")
        #expect(!result.stdout.split(separator: "\n").contains { $0.hasPrefix("ERROR ") }, "\(output)")
    }

    @Test func harnessStateIsNotBlamedAndLeaksFailTheirOwnTest() throws {
        let result = try BinaryHarness.run(
            ["test", "--quiet", "-q", "-p", "no:cacheprovider", "-W", "error", "--leaks"], directory: harness)
        expectHarnessVerdicts(result)
    }

    /// The same under pytest >= 9 (its own unittest sub-test reports, new-style hook wrappers), when `make bench`
    /// has created bench/.venv-suites.
    static let suitesVenv = BinaryHarness.packageRoot.appendingPathComponent("bench/.venv-suites").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: suitesVenv + "/bin/python")))
    func harnessUnderPytestFromPyPI() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let result = try BinaryHarness.run(
            ["test", "--quiet", "-q", "-p", "no:cacheprovider", "-W", "error", "--leaks"],
            environment: ["VIRTUAL_ENV": Self.suitesVenv, "PATH": Self.suitesVenv + "/bin:" + path], directory: harness)
        expectHarnessVerdicts(result)
        // Only the sub-tests of pytest's own call are reported, not those of the plugin's repeats.
        #expect(result.stdout.contains("5 subtests passed"), "\(result.stdout)")
    }

    @Test func theRepeatsStatementsAreNotTheRuns() throws {
        let result = try BinaryHarness.run(
            ["test", "--quiet", "-q", "-p", "no:cacheprovider", "--leaks", "test_db_lookup.py"], json: true,
            directory: BinaryHarness.fixture("pytest_queries"))
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let report = try #require(result.report, "\(result.stderr)")
        let kinds = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(!kinds.contains("n_plus_one"), "\(kinds)")
        let statements = (report["queries"] as? [String: Any])?["statements"] as? [[String: Any]] ?? []
        let lookup = statements.first { ($0["sql"] as? String ?? "").hasPrefix("select name from users") }
        #expect(lookup?["count"] as? Int == 1, "\(statements)")
        // The test was repeated all the same: the leak check ran (clean).
        #expect(result.stdout.contains("1 passed"), "\(result.stdout)")
    }

    @Test func aConnectionClosedEveryRepeatIsCleanAndOneKeptLeaks() throws {
        let result = try BinaryHarness.run(
            ["test", "-q", "-p", "no:cacheprovider", "--leaks", "test_connections.py"],
            directory: BinaryHarness.fixture("pytest_queries"))
        let output = result.stdout + result.stderr
        #expect(failed(result.stdout) == ["test_connections.py::test_keeps_its_connection"], "\(output)")
        #expect(output.contains(".KEPT"), "\(output)")
    }

    @Test func harnessFixturesPassWithoutThePlugin() throws {
        let result = try pytest([harness], underPyinspect: false)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("9 passed"), "\(result.stdout)")
    }
}
