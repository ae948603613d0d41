import Foundation
import PyInspectCore
import Testing

/// `pyinspect compare` on each kind of work. Behaviour, not speed: the report's structure, what the work does
/// whatever the machine's load (GIL-bound threads never keep two cores busy, hashlib releases the GIL, sleeping
/// threads barely use the CPU, results are pickled), the machine figures, and a recommendation and reason that
/// follow from the report's own figures (CompareAnalysis, CompareReasonCheck). Which mode wins depends on the
/// machine: that is unit-tested on recorded figures (CompareRecordedFiguresTests) and measured in `make bench`.
@Suite struct CompareCommandTests {
    let work = BinaryHarness.fixture("compare/work.py")

    func compare(_ function: String, _ extra: [String] = []) throws -> (BinaryHarness.Result, CompareSection?) {
        let result = try BinaryHarness.run(["compare", "--quiet", "--rounds", "1"] + extra + ["\(work):\(function)"], json: true)
        let section = (result.report?["compare"]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
            .flatMap { try? JSONDecoder().decode(CompareSection.self, from: $0) }
        return (result, section)
    }

    /// Every mode measured with its machine figures; the recommendation and reason are the ones the figures give.
    func expectFollowsFromFigures(_ section: CompareSection?, _ source: SourceLocation = #_sourceLocation) {
        guard let section else {
            Issue.record("no compare section", sourceLocation: source)
            return
        }
        #expect(Set(section.modes.keys) == ["serial", "threads", "processes"], sourceLocation: source)
        let cores = section.cores ?? 0
        #expect(cores >= 1, sourceLocation: source)
        #expect(section.loadAverage1m != nil, sourceLocation: source)
        for (name, mode) in section.modes {
            #expect(mode.wallS > 0 && mode.cpuS >= 0 && mode.roundsWallS.count == 1, "\(name)", sourceLocation: source)
            #expect((0...Double(cores)).contains(mode.coresFree ?? -1), "\(name): \(String(describing: mode.coresFree))", sourceLocation: source)
            #expect((mode.otherCpuS ?? -1) >= 0 && (mode.runDelayS ?? -1) >= 0, "\(name)", sourceLocation: source)
        }
        let decided = CompareAnalysis.recommend(modes: section.modes, tasks: section.tasks, cores: section.cores)
        #expect(decided.0 == section.recommendation && decided.1 == section.reason, sourceLocation: source)
        let contradictions = CompareReasonCheck.contradictions(
            recommendation: section.recommendation, reason: section.reason, modes: section.modes, tasks: section.tasks,
            cores: section.cores)
        #expect(contradictions.isEmpty, "\(section.reason): \(contradictions)", sourceLocation: source)
    }

    @Test func pureCPUWorkHoldsTheGILUnderThreads() throws {
        let (result, section) = try compare("cpu_loop", ["--tasks", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        expectFollowsFromFigures(section)
        // Pure Python under threads: one core at most, whatever else runs on the machine.
        let threads = section?.modes["threads"]
        #expect((threads?.parallelism ?? 9) < 1.3)
        #expect(threads?.gil?.mode == "exact" && (threads?.gil?.switches ?? 0) > 0, "\(String(describing: threads?.gil))")
        #expect(section?.modes["processes"]?.pickledBytes ?? 0 > 0)
    }

    @Test func sleepingWorkBarelyUsesTheCPU() throws {
        let (result, section) = try compare("sleeps", ["--tasks", "6"])
        #expect(result.status == 0, "\(result.stderr)")
        expectFollowsFromFigures(section)
        let threads = section?.modes["threads"]
        // 6 sleeps of 0.15 s: at least 0.45 s of wall on 2 workers, a few ms of CPU.
        #expect((threads?.wallS ?? 0) >= 0.45 && (threads?.cpuS ?? 1) < 0.5 * (threads?.wallS ?? 0), "\(String(describing: threads))")
        #expect((threads?.gil?.heldFraction ?? 1) < 0.5)
    }

    @Test func bigResultsArePickledBack() throws {
        let (result, section) = try compare("big_result", ["--tasks", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        expectFollowsFromFigures(section)
        #expect((section?.modes["processes"]?.pickledBytesBack ?? 0) > 4 * 24 * 1024 * 1024)
        #expect(section?.modes["threads"]?.pickledBytes == 0)
    }

    @Test func hashingLargeBuffersReleasesTheGIL() throws {
        let (result, section) = try compare("hashes", ["--tasks", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        expectFollowsFromFigures(section)
        let gil = section?.modes["threads"]?.gil
        #expect((gil?.heldFraction ?? 1) < 0.5, "\(String(describing: gil))")
    }

    /// Item 4 of issue 20: with another process keeping a core busy, compare measures that the core was taken.
    @Test func aCoreKeptBusyByAnotherProcessIsMeasuredAsTaken() throws {
        // Bounded, so a test runner that dies mid-test leaves no spinner behind for long.
        let spin = "import time\nprint('spinning', flush=True)\nend = time.monotonic() + 300\nwhile time.monotonic() < end: pass"
        let spinner = try RunningBinary(["run", "--quiet", "-c", spin])
        defer {
            spinner.signal(SIGTERM)  // pyinspect run forwards it to the spinning child
            _ = spinner.finish()
        }
        #expect(spinner.waitForOutput("spinning"))
        let (result, section) = try compare("cpu_loop", ["--tasks", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        expectFollowsFromFigures(section)
        let cores = Double(section?.cores ?? 0)
        for (name, mode) in section?.modes ?? [:] {
            // The spinner alone takes a whole core; anything else running takes more.
            #expect((mode.coresFree ?? 99) <= cores - 0.7, "\(name): \(String(describing: mode.coresFree)) of \(cores)")
        }
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
