import Foundation
import Testing

/// Real reports validate against the published JSON Schema (docs/report.schema.json), so the schema and the
/// output cannot drift apart.
@Suite struct ReportSchemaTests {
    static func validate(_ reportPath: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [BinaryHarness.packageRoot.appendingPathComponent("scripts/validate_report.py").path, reportPath]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func reportOf(_ arguments: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "schema-\(UUID().uuidString).json"
        var withJSON = arguments
        withJSON.insert(contentsOf: ["--json", path, "--quiet"], at: 1)
        _ = try BinaryHarness.run(withJSON)
        return path
    }

    @Test(arguments: [
        ["run", BinaryHarness.packageRoot.appendingPathComponent("examples/hello_threads.py").path],
        ["run", BinaryHarness.fixture("run/raises.py")],
        ["run", "--timeout", "0.5", BinaryHarness.fixture("run/sleeps_forever.py")],
        ["run", "-c", "import ctypes; ctypes.string_at(0)"],
        ["run", "--gil", BinaryHarness.fixture("gil/two_cpu_threads.py")],
        ["run", "--allocations", BinaryHarness.fixture("allocations/kept_and_churn.py")],
        ["run", BinaryHarness.fixture("processes/fork_process.py")],
        ["run", BinaryHarness.fixture("processes/killed_child.py")],
        ["run", BinaryHarness.fixture("queries/sqlite_n_plus_one.py")],  // issue 16
        ["run", BinaryHarness.fixture("queries/sqlite_connections_kept.py")],
        ["run", BinaryHarness.fixture("concurrency/task_group.py")],  // issue 18: task_sites, unbounded_concurrency
        ["run", BinaryHarness.fixture("loop_threads/each_method.py")],  // issue 18: loop_called_from_thread
        ["gil", BinaryHarness.fixture("gil/long_c_call.py")],
        ["profile", BinaryHarness.fixture("profile/async_tasks.py")],
        ["run", "--profile", BinaryHarness.fixture("profile/two_cpu_threads.py")],
        ["run", "--timeout", "5", BinaryHarness.fixture("hangs/lock_order.py")],
        ["run", BinaryHarness.fixture("hangs/never_awaited.py")],
        ["compare", "--rounds", "1", "--tasks", "2", BinaryHarness.fixture("compare/work.py") + ":sleeps"],
        ["compare", "--rounds", "1", BinaryHarness.fixture("compare/work.py") + ":raises"],
        ["leaks", BinaryHarness.fixture("leaks/module_list.py") + ":run"],
        ["leaks", BinaryHarness.fixture("leaks/threads_never_end.py") + ":run"],
        ["leaks", BinaryHarness.fixture("leaks/clean_churn.py") + ":run"],
        ["leaks", BinaryHarness.fixture("leaks/raises.py") + ":run"],
    ])
    func runReportsMatchTheSchema(arguments: [String]) throws {
        let path = try Self.reportOf(arguments)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.fileExists(atPath: path))
        let result = try Self.validate(path)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theValidatorRejectsABrokenReport() throws {
        let path = NSTemporaryDirectory() + "schema-broken-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"schema_version": 1, "tool": {"name": "pyinspect", "version": "0"}, "command": "run", "verdict": "fine", "exit_status": "0"}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Self.validate(path)
        #expect(result.status == 1)
        #expect(result.output.contains("verdict"))
    }
}
