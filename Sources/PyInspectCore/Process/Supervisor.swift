import CPythonShim
import FoundationEssentials
import Glibc

/// Runs work in a forked child and watches it: the target's crash, hang or memory blow-up then costs the child,
/// never the report the parent writes.
///
/// Thread-safety: call from the main thread before any other thread exists (fork keeps only the caller).
public enum Supervisor {
    public struct Limits: Sendable {
        /// Wall-clock seconds after which the child is sent SIGKILL; nil waits for ever.
        public var killAfterSeconds: Double?
        public init(killAfterSeconds: Double? = nil) {
            self.killAfterSeconds = killAfterSeconds
        }
    }

    /// Forks; the child runs `child` and exits with its status. The parent waits and returns the outcome.
    public static func run(limits: Limits, child: () -> Int32) throws -> ChildOutcome {
        let start = monotonicSeconds()
        fflush(stdout)
        fflush(stderr)
        let pid = pyi_fork()
        if pid < 0 {
            throw SupervisorError.forkFailed(errno: errno)
        }
        if pid == 0 {
            pyi_child_reset_signals()
            let status = child()
            fflush(stdout)
            fflush(stderr)
            _exit(status)
        }
        pyi_supervisor_forward_signals(pid)
        var expired = false
        var killed = false
        if let limit = limits.killAfterSeconds {
            if !waitForExit(pid: pid, seconds: limit) {
                expired = true
                kill(pid, SIGKILL)
                killed = true
            }
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw SupervisorError.waitFailed(errno: errno) }
        }
        let wall = monotonicSeconds() - start
        return ChildOutcome(
            ending: decode(status),
            wallSeconds: wall,
            userCPUSeconds: seconds(usage.ru_utime),
            systemCPUSeconds: seconds(usage.ru_stime),
            peakRSSBytes: Int64(usage.ru_maxrss) * 1024,
            deadlineExpired: expired,
            killedBySupervisor: killed,
            forwardedSignal: pyi_supervisor_last_forwarded_signal()
        )
    }

    /// Waits up to `seconds` for `pid` to exit without reaping it. False when time ran out.
    private static func waitForExit(pid: pid_t, seconds: Double) -> Bool {
        let deadline = monotonicSeconds() + seconds
        let pidfd = pyi_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        while true {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { return false }
            if pidfd >= 0 {
                var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
                if ready > 0 { return true }
                if ready < 0 && errno != EINTR { return false }
            } else {
                var info = siginfo_t()
                if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._kill.si_pid == pid {
                    return true
                }
                usleep(10_000)
            }
        }
    }

    private static func decode(_ status: Int32) -> ChildOutcome.Ending {
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(signal)
    }

    private static func seconds(_ value: timeval) -> Double {
        Double(value.tv_sec) + Double(value.tv_usec) / 1_000_000
    }
}

public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
}

public enum SupervisorError: Error, CustomStringConvertible {
    case forkFailed(errno: Int32)
    case waitFailed(errno: Int32)
    public var description: String {
        switch self {
        case .forkFailed(let code): return "cannot start the target process: \(String(cString: strerror(code)))"
        case .waitFailed(let code): return "lost track of the target process: \(String(cString: strerror(code)))"
        }
    }
}
