import Foundation

/// Decides `run`'s verdict and exit status from what was measured. Pure: no Python, no processes.
public enum RunVerdict {
    public struct Decision: Equatable, Sendable {
        public var verdict: Verdict
        public var exitStatus: Int32
        public init(verdict: Verdict, exitStatus: Int32) {
            self.verdict = verdict
            self.exitStatus = exitStatus
        }
    }

    /// `hasFindings`: the run produced findings (hangs, asyncio misuse); a clean exit then reads "finding".
    public static func decide(
        outcome: ChildOutcome, capture: RunCapture, timeoutRequested: Bool, hasFindings: Bool = false
    ) -> Decision {
        if outcome.ending == .exited(ExitStatus.deadlock) && capture.end?.reason == "deadlock" {
            return Decision(verdict: .deadlock, exitStatus: ExitStatus.deadlock)
        }
        if timeoutRequested && (outcome.deadlineExpired || outcome.ending == .exited(ExitStatus.timeout))
            && (outcome.deadlineExpired || capture.end?.reason == "timeout")
        {
            return Decision(verdict: .timeout, exitStatus: ExitStatus.timeout)
        }
        switch outcome.ending {
        case .signaled(let signal):
            if signal == SIGINT { return Decision(verdict: .interrupted, exitStatus: ExitStatus.interrupted) }
            return Decision(verdict: .crash, exitStatus: ExitStatus.killedBySignal(signal))
        case .exited(let code):
            if capture.end?.exception?.type == "KeyboardInterrupt" {
                return Decision(verdict: .interrupted, exitStatus: code)
            }
            if code == 0 { return Decision(verdict: hasFindings ? .finding : .clean, exitStatus: 0) }
            return Decision(verdict: .error, exitStatus: code)
        }
    }
}
