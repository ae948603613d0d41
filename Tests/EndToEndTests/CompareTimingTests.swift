import Foundation
import Testing

/// `pyinspect compare` on each kind of work. Timing-sensitive: `make test` runs this suite on its own, after the
/// rest, with nothing else competing for the two cores (`swift test --filter CompareTimingTests --no-parallel`).
@Suite(.serialized) struct CompareTimingTests {
    let work = BinaryHarness.fixture("compare/work.py")

    func compare(_ function: String, _ extra: [String] = []) throws -> (BinaryHarness.Result, [String: Any]) {
        let result = try BinaryHarness.run(["compare", "--quiet", "--rounds", "3"] + extra + ["\(work):\(function)"], json: true)
        return (result, result.report?["compare"] as? [String: Any] ?? [:])
    }

    func mode(_ section: [String: Any], _ name: String) -> [String: Any] {
        (section["modes"] as? [String: Any])?[name] as? [String: Any] ?? [:]
    }

    @Test func pureCPUWorkGoesToProcesses() throws {
        let (result, section) = try compare("cpu_loop", ["--tasks", "8"])
        #expect(result.status == 0)
        #expect(section["recommendation"] as? String == "processes", "\(section["reason"] ?? "")")
        #expect((mode(section, "threads")["parallelism"] as? Double ?? 9) < 1.3)
        let gil = mode(section, "threads")["gil"] as? [String: Any]
        #expect((gil?["held_fraction"] as? Double ?? 0) > 0.8, "\(String(describing: gil))")
    }

    @Test func sleepingWorkGoesToThreads() throws {
        let (result, section) = try compare("sleeps", ["--tasks", "6"])
        #expect(result.status == 0)
        #expect(section["recommendation"] as? String == "threads", "\(section["reason"] ?? "")")
        #expect((mode(section, "threads")["speedup"] as? Double ?? 0) > 1.5)
    }

    @Test func bigResultsAreNotWorthProcesses() throws {
        let (_, section) = try compare("big_result", ["--tasks", "4"])
        let recommendation = section["recommendation"] as? String
        #expect(recommendation == "serial" || recommendation == "threads", "\(section["reason"] ?? "")")
        #expect((mode(section, "processes")["pickled_bytes"] as? Int ?? 0) > 4 * 24 * 1024 * 1024)
    }

    @Test func hashingLargeBuffersGoesToThreads() throws {
        let (_, section) = try compare("hashes", ["--tasks", "6"])
        #expect(section["recommendation"] as? String == "threads", "\(section["reason"] ?? "")")
        let gil = mode(section, "threads")["gil"] as? [String: Any]
        #expect((gil?["held_fraction"] as? Double ?? 1) < 0.5, "\(String(describing: gil))")
    }

    @Test func aTargetThatRaisesIsReportedWithExit67() throws {
        let (result, _) = try compare("raises", ["--tasks", "6"])
        #expect(result.status == 67)
        #expect(result.report?["verdict"] as? String == "error")
        let exception = result.report?["exception"] as? [String: Any]
        #expect(exception?["message"] as? String == "task 3 failed on purpose")
    }

    @Test func badTargetsGetOneLineAndTheirStatus() throws {
        let missing = try BinaryHarness.run(["compare", "/nonexistent/w.py:f"])
        #expect(missing.status == 66)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let noFunction = try BinaryHarness.run(["compare", "\(work):nope"])
        #expect(noFunction.status == 66)
        let badSpec = try BinaryHarness.run(["compare", "nocolon"])
        #expect(badSpec.status == 64)
    }
}
