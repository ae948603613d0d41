import Foundation
import PyInspectCore
import Testing

/// The verdict of `run` from hand-made outcomes: no Python involved.
@Suite struct RunVerdictTests {
    func capture(end reason: String? = "exit", exception: String? = nil) -> RunCapture {
        var capture = RunCapture()
        capture.started = true
        if let reason {
            capture.end = .init(
                reason: reason, gc: nil, threads: [],
                exception: exception.map { ExceptionInfo(type: $0, module: "builtins", message: "") })
        }
        return capture
    }

    @Test func exitZeroIsClean() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1), capture: capture(), timeoutRequested: false)
        #expect(decision == .init(verdict: .clean, exitStatus: 0))
    }

    @Test func exceptionIsErrorWithTargetStatus() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(1), wallSeconds: 1), capture: capture(exception: "ValueError"),
            timeoutRequested: false)
        #expect(decision == .init(verdict: .error, exitStatus: 1))
    }

    @Test func segfaultIsCrashAs128PlusSignal() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(11), wallSeconds: 1), capture: capture(end: nil),
            timeoutRequested: false)
        #expect(decision == .init(verdict: .crash, exitStatus: 139))
    }

    @Test func sigintIsInterrupted() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(SIGINT), wallSeconds: 1), capture: capture(),
            timeoutRequested: false)
        #expect(decision == .init(verdict: .interrupted, exitStatus: 130))
    }

    @Test func timeoutByWatchdogOrBySupervisor() {
        let byWatchdog = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(124), wallSeconds: 1), capture: capture(end: "timeout"),
            timeoutRequested: true)
        #expect(byWatchdog.verdict == .timeout)
        let bySupervisor = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(9), wallSeconds: 1, deadlineExpired: true, killedBySupervisor: true),
            capture: capture(end: nil), timeoutRequested: true)
        #expect(bySupervisor == .init(verdict: .timeout, exitStatus: 124))
    }

    @Test func targetExiting124WithoutTimeoutKeepsItsStatus() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(124), wallSeconds: 1), capture: capture(), timeoutRequested: true)
        #expect(decision == .init(verdict: .error, exitStatus: 124))
    }
}
