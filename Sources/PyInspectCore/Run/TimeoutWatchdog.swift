import CPythonShim
import Foundation

/// In the target process: when `--timeout` expires, records every thread's stack and ends the process with
/// `ExitStatus.timeout`.
///
/// First a faulthandler-style dump that needs no GIL (it works even while a C call holds the GIL for ever),
/// then, with the GIL, a richer snapshot with thread names. If the GIL never comes, the supervisor's SIGKILL
/// a few seconds later ends the process and the first dump is what the report shows.
enum TimeoutWatchdog {
    static func start(seconds: Double, helper: PythonHelper, dumpPath: String, capturePath: String) {
        let thread = Thread {
            HostThread.announce(name: "pyinspect-timeout-watchdog", capturePath: capturePath)
            Thread.sleep(forTimeInterval: seconds)
            guard pyi_is_initialized() != 0 else { return }
            let fd = open(dumpPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            if fd >= 0 {
                _ = pyi_dump_all_tracebacks(fd)
                close(fd)
            }
            GILRun.finishPending()  // needs no GIL: saved even while a C call holds it
            _ = try? helper.call("host", "on_timeout")
            fflush(stdout)
            fflush(stderr)
            _exit(ExitStatus.timeout)
        }
        thread.name = "pyinspect-watchdog"
        thread.start()
    }
}
