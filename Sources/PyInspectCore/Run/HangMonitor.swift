import CPythonShim
import FoundationEssentials
import Glibc

/// In the target process: every `interval` seconds takes the GIL briefly, asks hangs.py for a `HangTick`, and
/// lets `HangWatch` judge it. On a deadlock it records everything (host.on_deadlock) and ends the process with
/// `ExitStatus.deadlock`.
///
/// A native thread, not a Python one, so the target never sees it in `threading.enumerate()`; between ticks it
/// costs nothing, and a tick on a program without asyncio or lock waits is a few microseconds with the GIL.
/// While a tick finds nothing to watch it looks every 0.5 s (`HangWatch.pause`): each look takes the GIL from
/// the target, and a loop of GIL-releasing calls (os.read/os.write) paid for every hand-off.
/// Thread-safety: owns its `HangWatch`; touches Python only through `PythonHelper` (which takes the GIL).
enum HangMonitor {
    static let interval = 0.05

    /// What `startArmed` needs; set by `arm`, taken by the first `startArmed`.
    nonisolated(unsafe) private static var armed: (helper: PythonHelper, capturePath: String, pid: pid_t)?

    /// Makes the monitor startable on demand: hangs.py starts it (`_pyinspect_native.call("start_hang_monitor")`)
    /// when the target first has something to watch (a second thread, a running event loop, multiprocessing, a
    /// contended lock). Until then the process keeps a single thread: glibc's single-threaded fast paths
    /// (`read`/`write` without cancellation bookkeeping, `malloc` without atomic locks) made loops of
    /// os.read/os.write ~15% slower with any second thread alive.
    static func arm(helper: PythonHelper, capturePath: String) {
        armed = (helper, capturePath, getpid())
    }

    /// Starts the armed monitor once (callers hold the GIL, which serialises them); false if not armed or
    /// already started, or in a process the target forked: a fork child has its own watcher (child_hangs.py),
    /// which records a deadlock instead of ending the child with 123 under its parent's feet.
    static func startArmed() -> Bool {
        guard let armed, armed.pid == getpid() else { return false }
        self.armed = nil
        start(helper: armed.helper, capturePath: armed.capturePath)
        return true
    }

    static func start(helper: PythonHelper, capturePath: String) {
        ControlServer.startIfArmed()
        pyi_host_thread_expect()
        let started = NativeThread.start {
            HostThread.announce(name: "pyinspect-hang-monitor", capturePath: capturePath)
            // A thread state kept for the thread's life, made before the target runs (host_thread_state.c).
            pyi_host_thread_attach()
            var watch = HangWatch()
            var pause = interval
            var lastTick: HangTick? = nil
            var sinceLastLook = 0.0
            while true {
                NativeThread.sleep(seconds: pause)
                guard pyi_is_initialized() != 0, pyi_is_finalizing() == 0 else { return }
                // Issue 18: a busy loop whose iteration is young needs no look: each look's GIL hand-off cost the
                // asyncio bench ~30% of wall time on a loaded machine (the loop thread waits for the monitor to be
                // scheduled, twice per look).
                sinceLastLook += pause
                if HangWatch.maySkip(after: lastTick, sinceLastLook: sinceLastLook, iterationAge: pyi_loop_iteration_age()) {
                    continue
                }
                sinceLastLook = 0
                // CaptureDecoder, not JSONDecoder: JSONDecoder's first use cost ~1 M instructions at the first tick
                // of every run longer than 50 ms (callgrind).
                guard let text = try? helper.call("hangs", "tick"),
                    let parsed = CaptureJSON.parse(ArraySlice(text.utf8)),
                    let tick = try? CaptureDecoder.decode(HangTick.self, from: parsed)
                else {
                    pause = interval
                    lastTick = nil
                    continue
                }
                pause = HangWatch.pause(after: tick)
                lastTick = tick
                guard let decision = watch.observe(tick) else { continue }
                let argument = (try? JSONEncoder().encode(decision)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                _ = try? helper.call("host", "on_deadlock", argument)
                fflush(stdout)
                fflush(stderr)
                _exit(ExitStatus.deadlock)
            }
        }
        // A thread that could not be made never attaches: nothing to wait for.
        if started { pyi_host_threads_wait_attached() }
    }
}
