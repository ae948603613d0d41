import Foundation
import PyInspectCore
import Testing

/// An example of pyinspect as a Swift library: a Swift test suite checks how Python callables behave with the
/// GIL, with the same report model as `pyinspect gil --json`.
@Suite(.serialized) struct GILBehaviourExampleTests {
    let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/library").path
    }()

    @Test func hashingReleasesTheGIL() throws {
        let report = try PyInspect.call("workloads", "hash_buffers", pythonPath: [fixtures], gil: true)
        #expect(report.verdict == .clean)
        let gil = try #require(report.gil)
        #expect(gil.heldFraction < 0.5, "GIL held \(gil.heldFraction) of the run")
    }

    @Test func pureLoopsHoldTheGIL() throws {
        let report = try PyInspect.call("workloads", "count_in_python", pythonPath: [fixtures], gil: true)
        let gil = try #require(report.gil)
        #expect(gil.heldFraction > 0.8, "GIL held \(gil.heldFraction) of the run")
        #expect(report.threads.map(\.name).contains("worker-0"))
    }

    @Test func anExceptionIsReportedNotThrown() throws {
        let report = try PyInspect.call("workloads", "fail", pythonPath: [fixtures])
        #expect(report.verdict == .error)
        #expect(report.exception?.type == "ValueError")
    }

    @Test func aMissingModuleIsAnExceptionInTheReport() throws {
        let report = try PyInspect.call("no_such_module_xyz", "f")
        #expect(report.exception?.type == "ModuleNotFoundError")
    }

    @Test func aScriptThatIsNotThereThrows() {
        #expect(throws: PyInspectError.targetNotRun(status: 66)) {
            _ = try PyInspect.run(RunRequest(target: RunTarget(kind: .script, value: "/nonexistent/script.py")))
        }
    }
}

/// The same library, asking whether work should go to threads or processes.
@Suite(.serialized) struct CompareExampleTests {
    @Test func sleepingWorkIsMeasuredAndDecidedFromItsFigures() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        let target = url.appendingPathComponent("Fixtures/compare/work.py").path + ":sleeps"
        let report = try PyInspect.compare(CompareRequest(target: target, tasks: 4, workers: 2, rounds: 1))
        let compare = try #require(report.compare)
        // Which mode wins depends on the machine's load; what sleeping threads do does not: they barely use
        // the CPU, and the recommendation and its reason are the ones the measured figures give.
        let threads = try #require(compare.modes["threads"])
        #expect(threads.cpuS < 0.5 * threads.wallS)
        let decided = CompareAnalysis.recommend(modes: compare.modes, tasks: compare.tasks, cores: compare.cores)
        #expect(decided.0 == compare.recommendation && decided.1 == compare.reason)
    }
}
