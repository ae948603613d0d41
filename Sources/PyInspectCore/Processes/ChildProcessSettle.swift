import CPythonShim
import FoundationEssentials
import Glibc

/// After the target ended, its children may still be finishing (the forkserver and the resource tracker exit
/// when they see the target gone): wait a bounded time for those whose end is not yet recorded.
enum ChildProcessSettle {
    /// Reads the records, waiting up to `seconds` for processes that started and are still alive; the capture
    /// lists those still alive at the end in `stillRunning`.
    static func read(directory: String, waitingUpTo seconds: Double = 1.0) -> ChildProcessCapture {
        var capture = ChildProcessCapture.read(directory: directory)
        let pending = unfinished(capture)
        if pending.isEmpty { return capture }
        let deadline = monotonicSeconds() + seconds
        var alive: Set<Int32> = []
        for pid in pending where !waitForExit(pid: pid, until: deadline) { alive.insert(pid) }
        capture = ChildProcessCapture.read(directory: directory)
        capture.stillRunning = alive.intersection(unfinished(capture))
        return capture
    }

    /// Started, with neither an end nor a reaping recorded.
    static func unfinished(_ capture: ChildProcessCapture) -> [Int32] {
        var started: [Int32] = []
        var finished: Set<Int32> = []
        for record in capture.records {
            switch record.record {
            case "process_started": started.append(record.pid)
            case "process_ended": finished.insert(record.pid)
            case "process_reaped": if let child = record.childPid { finished.insert(child) }
            default: continue
            }
        }
        return started.filter { !finished.contains($0) }
    }

    /// True once `pid` has exited (or is gone); false at the deadline.
    private static func waitForExit(pid: Int32, until deadline: Double) -> Bool {
        let pidfd = pyi_pidfd_open(pid)
        guard pidfd >= 0 else { return true }  // no such process
        defer { close(pidfd) }
        while true {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { return false }
            var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32((remaining * 1000).rounded(.up)))
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }
        }
    }
}
