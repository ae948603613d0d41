import Foundation
import Testing

@testable import PyInspectCore

/// How `leaks` and `compare` turn an interrupted child into a report: verdict, exit status, what is kept.
@Suite struct InterruptedReportTests {
    // ---- leaks

    func partialHunt(calls: Int) -> LeakHuntSection {
        LeakHuntSection(
            warmupCalls: 2, calls: calls, targetSeconds: 0.01, stoppedBy: "interrupted",
            signals: [LeakSignal(name: "blocks", trend: .undecided, growthPerCall: 2,
                                 series: (0...calls).map { Int64(100 + 2 * $0) }),
                      LeakSignal(name: "fds", trend: .flat, growthPerCall: 0,
                                 series: Array(repeating: 5, count: calls + 1))])
    }

    @Test func anInterruptedHuntKeepsItsSeriesAndSaysHowManyCallsWereMeasured() {
        let child = LeakChildResult(hunt: partialHunt(calls: 10), interrupted: SIGINT)
        let report = LeaksPipeline.build(
            request: LeaksRequest(kind: .file, value: "/t/app.py", function: "step"), child: child,
            outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1))
        #expect(report.verdict == .interrupted)
        #expect(report.exitStatus == 130)
        #expect(report.leakHunt?.signals.first?.series.count == 11)
        #expect(report.diagnostics.map(\.message) == [
            "interrupted by SIGINT after 2 warm-up + 10 measured calls: the series so far are in leak_hunt; undecided: blocks",
        ])
        let summary = LeaksSummary.render(report)
        #expect(summary.hasPrefix("pyinspect leaks: INTERRUPTED — /t/app.py:step after 2 warm-up + 10 measured calls"))
        #expect(LeaksSummary.junitCase(report).failure?.hasPrefix("interrupted") == true)
    }

    @Test func sigtermGivesOneHundredFortyThreeAndLeaksDecidedBeforeAreListed() {
        var child = LeakChildResult(hunt: partialHunt(calls: 150), interrupted: SIGTERM)
        child.leaks = [LeakFinding(kind: "memory", message: "grew: blocks (not attributed: the hunt was interrupted)")]
        let report = LeaksPipeline.build(
            request: LeaksRequest(kind: .file, value: "/t/app.py", function: "step"), child: child,
            outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1, forwardedSignal: SIGTERM))
        #expect(report.verdict == .interrupted)
        #expect(report.exitStatus == 143)
        #expect(report.leaks?.count == 1)
    }

    @Test func aChildKilledBeforeItsHandlerIsInterruptedOnlyByCtrlCOrAForwardedSignal() {
        #expect(LeaksPipeline.interruptingSignal(ChildOutcome(ending: .signaled(SIGINT), wallSeconds: 0)) == SIGINT)
        #expect(LeaksPipeline.interruptingSignal(
            ChildOutcome(ending: .signaled(SIGTERM), wallSeconds: 0, forwardedSignal: SIGTERM)) == SIGTERM)
        #expect(LeaksPipeline.interruptingSignal(ChildOutcome(ending: .signaled(SIGTERM), wallSeconds: 0)) == nil)
        #expect(LeaksPipeline.interruptingSignal(ChildOutcome(ending: .signaled(SIGSEGV), wallSeconds: 0)) == nil)
        #expect(LeaksPipeline.interruptingSignal(ChildOutcome(ending: .exited(0), wallSeconds: 0)) == nil)
        let report = LeaksPipeline.build(
            request: LeaksRequest(kind: .file, value: "/t/app.py", function: "step"),
            child: LeakChildResult(interrupted: SIGINT), outcome: ChildOutcome(ending: .signaled(SIGINT), wallSeconds: 0))
        #expect(report.verdict == .interrupted && report.exitStatus == 130 && report.leakHunt == nil)
        #expect(report.diagnostics.first?.message.contains("before the first measured call") == true)
    }

    // ---- compare

    func capture(_ lines: [String]) throws -> (CompareCapture, String) {
        let path = NSTemporaryDirectory() + "compare-interrupted-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (CompareCapture.read(path: path), path)
    }

    @Test func anInterruptedCompareKeepsTheModesOfTheRoundCutShort() throws {
        let (read, path) = try capture([
            #"{"record":"compare_part","ok":true,"modes":{"serial":{"wall_s":0.5,"cpu_s":0.5}}}"#,
            #"{"record":"compare_round_end"}"#,
            #"{"record":"compare_interrupted","signal":2,"round":1,"mode":"threads"}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(read.rounds.count == 1)
        #expect(read.interrupted?.signal == SIGINT)
        let report = ComparePipeline.build(
            request: CompareRequest(target: "w.py:f", tasks: 8, workers: 2),
            outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1), capture: read, capturePath: path)
        #expect(report.verdict == .interrupted)
        #expect(report.exitStatus == 130)
        #expect(report.compare?.modes.keys.sorted() == ["serial"])
        #expect(report.compare?.reason == "interrupted before every mode was measured: no recommendation")
        #expect(report.diagnostics.map(\.message) == ["interrupted by SIGINT during round 1 (threads): measured: serial"])
        #expect(CompareSummary.render(report).contains("pyinspect compare: no recommendation"))
    }

    @Test func aCompareStoppedBySigtermWithCompleteRoundsKeepsItsRecommendation() throws {
        let round = #"{"record":"compare_part","ok":true,"modes":{"serial":{"wall_s":1.0,"cpu_s":1.0},"threads":{"wall_s":1.0,"cpu_s":1.0},"processes":{"wall_s":0.5,"cpu_s":1.0,"startup_s":0.05}}}"#
        let (read, path) = try capture([
            round, #"{"record":"compare_round_end"}"#,
            #"{"record":"compare_interrupted","signal":15,"round":2,"mode":"serial"}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = ComparePipeline.build(
            request: CompareRequest(target: "w.py:f", tasks: 8, workers: 2),
            outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1, forwardedSignal: SIGTERM), capture: read,
            capturePath: path)
        #expect(report.verdict == .interrupted)
        #expect(report.exitStatus == 143)
        #expect(report.compare?.modes.count == 3)
        #expect(report.compare?.reason.hasPrefix("interrupted") == false)
    }

    @Test func aCompareChildKilledByCtrlCBeforeMeasuringIsInterrupted() throws {
        let (read, path) = try capture([])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = ComparePipeline.build(
            request: CompareRequest(target: "w.py:f", tasks: 8, workers: 2),
            outcome: ChildOutcome(ending: .signaled(SIGINT), wallSeconds: 0), capture: read, capturePath: path)
        #expect(report.verdict == .interrupted && report.exitStatus == 130 && report.compare == nil)
        #expect(report.diagnostics.map(\.message) == ["interrupted by SIGINT: nothing was measured"])
    }
}
