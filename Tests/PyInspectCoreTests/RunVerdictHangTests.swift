import PyInspectCore
import Testing

/// The deadlock and finding verdicts of `run` (issue 6), from hand-made outcomes.
@Suite struct RunVerdictHangTests {
    func capture(end reason: String) -> RunCapture {
        var capture = RunCapture()
        capture.started = true
        capture.end = .init(reason: reason, gc: nil, threads: [], exception: nil)
        return capture
    }

    @Test func deadlockEndIsDeadlockWith123() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(123), wallSeconds: 1.2), capture: capture(end: "deadlock"),
            timeoutRequested: true, hasFindings: true)
        #expect(decision == .init(verdict: .deadlock, exitStatus: 123))
    }

    @Test func aTargetExiting123ByItselfIsNotADeadlock() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(123), wallSeconds: 1), capture: capture(end: "exit"),
            timeoutRequested: false)
        #expect(decision == .init(verdict: .error, exitStatus: 123))
    }

    @Test func cleanExitWithFindingsIsFinding() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1), capture: capture(end: "exit"),
            timeoutRequested: false, hasFindings: true)
        #expect(decision == .init(verdict: .finding, exitStatus: 0))
    }
}
