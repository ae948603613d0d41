import CPythonShim
import FoundationEssentials
import Glibc

/// In the target process: when `--timeout` expires, records every thread's stack and ends the process with
/// `ExitStatus.timeout`.
///
/// First a faulthandler-style dump that needs no GIL (it works even while a C call holds the GIL for ever),
/// then, with the GIL, a richer snapshot with thread names. The snapshot gets `gilWaitSeconds` to take the GIL;
/// past that (a C call that never lets go) the process ends with the first dump as what the report shows, so
/// the target stops at its timeout, not at the supervisor's SIGKILL seconds later.
enum TimeoutWatchdog {
    static let gilWaitSeconds = 1.0

    static func start(seconds: Double, helper: PythonHelper, dumpPath: String, capturePath: String) {
        ControlServer.startIfArmed()  // the process has threads from now on: the lazy start would gain nothing
        NativeThread.start {
            HostThread.announce(name: "pyinspect-timeout-watchdog", capturePath: capturePath)
            NativeThread.sleep(seconds: seconds)
            guard pyi_is_initialized() != 0 else { return }
            CaptureAppend.line("{\"record\":\"timeout_fired\",\"pid\":\(getpid())}\n", to: capturePath)
            let fd = open(dumpPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            if fd >= 0 {
                _ = pyi_dump_all_tracebacks(fd)
                close(fd)
            }
            GILRun.finishPending()  // needs no GIL: saved even while a C call holds it
            ProfileRun.finishPending()  // issue 15: the samples so far (no GIL needed either)
            let snapshotTaken = TimedSignal()
            NativeThread.start {
                HostThread.announce(name: "pyinspect-timeout-snapshot", capturePath: capturePath)
                _ = try? helper.call("host", "on_timeout")
                snapshotTaken.signal()
            }
            _ = snapshotTaken.wait(seconds: gilWaitSeconds)
            fflush(stdout)
            fflush(stderr)
            _exit(ExitStatus.timeout)
        }
    }
}
