import CPythonShim
import Glibc

/// Hands one job at a time from the control server thread (which never takes the GIL) to the control worker
/// (which takes it), and lets the server give up waiting for the GIL without blocking: a job still waiting for the
/// GIL when the server gives up is cancelled, and the worker drops it once it gets the GIL.
///
/// Thread-safety: every field is guarded by `mutex`; `wait…` and `take` block on `changed`.
final class ControlJobSlot: @unchecked Sendable {
    enum Phase { case idle, waitingForGIL, running }
    enum Outcome {
        case done(String)
        /// The worker did not get the GIL within the wait (or was still waiting for it from an earlier job).
        case gilUnavailable
    }

    typealias Job = () -> String

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var job: Job?
    private var phase = Phase.idle
    private var cancelled = false
    private var result: String?

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    // MARK: server side

    /// Runs `job` on the worker; gives up after `gilWaitSeconds` if the worker is still waiting for the GIL, and
    /// after `jobSeconds` in all.
    func submit(_ job: @escaping Job, gilWaitSeconds: Double, jobSeconds: Double) -> Outcome {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard phase == .idle, self.job == nil else { return .gilUnavailable }
        self.job = job
        result = nil
        pthread_cond_broadcast(changed)
        let gilDeadline = Self.deadline(after: gilWaitSeconds)
        while result == nil && (self.job != nil || phase == .waitingForGIL) && phase != .running {
            var until = gilDeadline
            if pthread_cond_timedwait(changed, mutex, &until) == ETIMEDOUT { break }
        }
        if result == nil && phase != .running {
            cancelled = true
            return .gilUnavailable
        }
        let jobDeadline = Self.deadline(after: jobSeconds)
        while result == nil {
            var until = jobDeadline
            if pthread_cond_timedwait(changed, mutex, &until) == ETIMEDOUT { break }
        }
        defer { result = nil }
        return result.map(Outcome.done) ?? .done(ControlReplies.error("the checkpoint took longer than \(Int(jobSeconds)) s"))
    }

    private static func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let total = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + seconds
        return timespec(tv_sec: Int(total), tv_nsec: Int((total - Double(Int(total))) * 1e9))
    }

    // MARK: worker side

    /// Starts the worker thread that runs this slot's jobs with the GIL (the control socket's and the metrics
    /// endpoint's), with a thread state kept for its life (host_thread_state.c); returns once it is attached.
    /// `exitingReply` answers a job handed over while the interpreter is finalizing. False when it could not start.
    func startWorker(name: String, capturePath: String, exitingReply: String) -> Bool {
        pyi_host_thread_expect()
        let started = NativeThread.start { [self] in
            HostThread.announce(name: name, capturePath: capturePath)
            pyi_host_thread_attach()
            while true {
                let job = take()
                guard pyi_is_initialized() != 0, pyi_is_finalizing() == 0 else {
                    finish(exitingReply)
                    continue
                }
                let state = pyi_control_gil_ensure()
                guard gilTaken() else {
                    pyi_control_gil_release(state)
                    continue
                }
                let reply = job()
                pyi_control_gil_release(state)
                finish(reply)
            }
        }
        if started { pyi_host_threads_wait_attached() }
        return started
    }

    /// Blocks until a job is handed over; the worker then waits for the GIL.
    func take() -> Job {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while job == nil { pthread_cond_wait(changed, mutex) }
        phase = .waitingForGIL
        pthread_cond_broadcast(changed)
        return job ?? { "" }
    }

    /// The worker holds the GIL: false when the server gave up meanwhile (the job is then dropped).
    func gilTaken() -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if cancelled {
            cancelled = false
            job = nil
            phase = .idle
            pthread_cond_broadcast(changed)
            return false
        }
        phase = .running
        pthread_cond_broadcast(changed)
        return true
    }

    func finish(_ reply: String) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        result = reply
        job = nil
        phase = .idle
        pthread_cond_broadcast(changed)
    }
}
