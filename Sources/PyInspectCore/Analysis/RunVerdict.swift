import FoundationEssentials
import Glibc

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

    /// What was asked of the run that changes how its end reads.
    public struct Limits: Equatable, Sendable {
        public var timeoutRequested: Bool
        public var memoryLimitBytes: UInt64?
        public init(timeoutRequested: Bool = false, memoryLimitBytes: UInt64? = nil) {
            self.timeoutRequested = timeoutRequested
            self.memoryLimitBytes = memoryLimitBytes
        }
    }

    /// `hasFindings`: the run produced findings (hangs, asyncio misuse); a clean exit then reads "finding".
    public static func decide(
        outcome: ChildOutcome, capture: RunCapture, timeoutRequested: Bool, hasFindings: Bool = false
    ) -> Decision {
        decide(outcome: outcome, capture: capture, limits: Limits(timeoutRequested: timeoutRequested),
               hasFindings: hasFindings)
    }

    public static func decide(
        outcome: ChildOutcome, capture: RunCapture, limits: Limits, hasFindings: Bool = false
    ) -> Decision {
        if outcome.ending == .exited(ExitStatus.deadlock) && capture.end?.reason == "deadlock" {
            return Decision(verdict: .deadlock, exitStatus: ExitStatus.deadlock)
        }
        if limits.timeoutRequested && (outcome.deadlineExpired || outcome.ending == .exited(ExitStatus.timeout))
            && (outcome.deadlineExpired || capture.end?.reason == "timeout" || capture.timeoutFired)
        {
            return Decision(verdict: .timeout, exitStatus: ExitStatus.timeout)
        }
        if let limit = limits.memoryLimitBytes, ranOutOfMemory(outcome: outcome, capture: capture, limit: limit) {
            return Decision(verdict: .memoryLimit, exitStatus: ExitStatus.memoryLimit)
        }
        switch outcome.ending {
        case .signaled(let signal):
            if signal == SIGINT { return Decision(verdict: .interrupted, exitStatus: ExitStatus.interrupted) }
            // SIGTERM/SIGHUP sent to pyinspect and passed on: the user stopped it, it did not crash.
            if signal == outcome.forwardedSignal {
                return Decision(verdict: .interrupted, exitStatus: ExitStatus.killedBySignal(signal))
            }
            return Decision(verdict: .crash, exitStatus: ExitStatus.killedBySignal(signal))
        case .exited(let code):
            if capture.end?.exception?.type == "KeyboardInterrupt" {
                return Decision(verdict: .interrupted, exitStatus: code)
            }
            if code == 0 { return Decision(verdict: hasFindings ? .finding : .clean, exitStatus: 0) }
            return Decision(verdict: .error, exitStatus: code)
        }
    }

    /// Under `--memory-limit`: the target died of an uncaught MemoryError, or was killed by the signal an
    /// allocation failure in C code ends with (abort, segfault) after reaching most of its allowance.
    static func ranOutOfMemory(outcome: ChildOutcome, capture: RunCapture, limit: UInt64) -> Bool {
        if capture.end?.exception?.type == "MemoryError", outcome.ending != .exited(0) { return true }
        if case .signaled(let signal) = outcome.ending, [SIGABRT, SIGSEGV, SIGBUS, SIGKILL].contains(signal),
            outcome.forwardedSignal != signal, !outcome.killedBySupervisor
        {
            return outcome.peakRSSBytes >= 0 && UInt64(outcome.peakRSSBytes) >= limit / 10 * 8
        }
        return false
    }
}
