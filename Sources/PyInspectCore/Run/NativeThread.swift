import CPythonShim
import Glibc

/// A detached native thread running a closure, blind to the target's signals: what Foundation's `Thread { }.start()` did, without Foundation
/// (pyinspect links only FoundationEssentials, for start-up cost). The threads are not named, as before (their
/// names were longer than the 15 characters Linux keeps, so setting them failed).
enum NativeThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Returns false when the thread could not be created.
    @discardableResult
    static func start(_ body: @escaping () -> Void) -> Bool {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        // With the target's signals blocked (host_thread_start.c): a Ctrl-C must reach a thread of the target.
        let created = pyi_start_host_thread(&thread, 1, { context in
            guard let context else { return nil }
            let body = Unmanaged<Body>.fromOpaque(context).takeRetainedValue()
            body.run()
            return nil
        }, context)
        if created != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            return false
        }
        return true
    }

    /// `Thread.sleep(forTimeInterval:)`: the whole interval, across signals.
    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}
