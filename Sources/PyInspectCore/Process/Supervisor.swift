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
        /// After the child ended by itself, how long its descendants get to end on their own (a forkserver or
        /// resource tracker sees the target gone and exits) before the rest of the tree is killed.
        public var descendantGraceSeconds: Double
        /// `$PYINSPECT_CHILD_DIR`: when pyinspect stops the child, the tree's Python processes are asked for their
        /// stacks there before they are killed (ChildStacks).
        public var childStacksDirectory: String?
        public init(killAfterSeconds: Double? = nil, descendantGraceSeconds: Double = 1.0, childStacksDirectory: String? = nil) {
            self.killAfterSeconds = killAfterSeconds
            self.descendantGraceSeconds = descendantGraceSeconds
            self.childStacksDirectory = childStacksDirectory
        }
    }

    /// Forks; the child runs `child` and exits with its status. The parent waits and returns the outcome once
    /// no process of the child's tree is left (ProcessTree: those still running are killed and listed).
    public static func run(limits: Limits, child: () -> Int32) throws -> ChildOutcome {
        let start = monotonicSeconds()
        fflush(stdout)
        fflush(stderr)
        let parent = getpid()
        // The CLI forks single-threaded and owns all its children; a library call in a busy process (a test
        // runner with children of its own) must not adopt, reap or kill those: it scopes to the child's group.
        let ownsAllChildren = pyi_process_thread_count() == 1
        pyi_supervisor_set_scope(ownsAllChildren ? 1 : 0, 0)
        if ownsAllChildren { _ = pyi_supervisor_become_subreaper() }
        var terminal = pyi_supervisor_open_terminal()
        defer { if terminal >= 0 { close(terminal) } }
        let pid = pyi_fork()
        if pid < 0 {
            throw SupervisorError.forkFailed(errno: errno)
        }
        if pid == 0 {
            pyi_child_reset_signals()
            pyi_supervised_child_setup(parent, terminal)
            let status = child()
            fflush(stdout)
            fflush(stderr)
            _exit(status)
        }
        pyi_supervisor_place_child(pid)
        pyi_supervisor_set_scope(ownsAllChildren ? 1 : 0, pid)
        pyi_supervisor_forward_signals(pid)
        var expired = false
        var killed = false
        var status: Int32 = 0
        var usage = rusage()
        var waited = pyi_supervisor_wait(pid, limits.killAfterSeconds ?? -1, &terminal, &status, &usage)
        if waited == 0 {
            expired = true
            kill(pid, SIGKILL)
            killed = true
            waited = pyi_supervisor_wait(pid, -1, &terminal, &status, &usage)
        }
        let wall = monotonicSeconds() - start
        pyi_supervisor_reclaim_terminal(terminal, pid)
        if waited < 0 {
            let code = errno
            _ = ProcessTree.endDescendants(graceSeconds: 0)
            throw SupervisorError.waitFailed(errno: code)
        }
        let ending = decode(status)
        // Stopped by pyinspect (deadline, deadlock, timeout): what the target left running goes at once.
        let stopped = killed || ending == .exited(ExitStatus.timeout) || ending == .exited(ExitStatus.deadlock)
        if stopped, let directory = limits.childStacksDirectory { ChildStacks.request(directory: directory) }
        let leftovers = ProcessTree.endDescendants(graceSeconds: stopped ? 0 : limits.descendantGraceSeconds)
        return ChildOutcome(
            ending: ending,
            wallSeconds: wall,
            userCPUSeconds: seconds(usage.ru_utime),
            systemCPUSeconds: seconds(usage.ru_stime),
            peakRSSBytes: Int64(usage.ru_maxrss) * 1024,
            deadlineExpired: expired,
            killedBySupervisor: killed,
            forwardedSignal: pyi_supervisor_last_forwarded_signal(),
            killedDescendants: leftovers
        )
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
