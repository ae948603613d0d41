import CPythonShim
import FoundationEssentials
import Glibc

/// pyinspect's own native threads inside the target process (the hang monitor, the timeout watchdog). Each
/// announces its native id in the capture, so that reports can tell them from the target's threads: they take
/// the GIL now and then, and must not count as the target's GIL users.
enum HostThread {
    /// Call first thing on the thread itself.
    static func announce(name: String, capturePath: String) {
        pyi_gil_mark_host_thread()
        let nativeId = Int64(pyi_gettid())
        pyi_profile_exclude_thread(Int32(nativeId))   // the profiler samples the target's threads only
        let line = "{\"record\":\"host_thread\",\"name\":\"\(name)\",\"native_id\":\(nativeId),\"pid\":\(getpid())}\n"
        CaptureAppend.line(line, to: capturePath)
    }
}
