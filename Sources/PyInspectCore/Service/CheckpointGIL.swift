import CPythonShim

/// GIL figures since the previous checkpoint, when `run --gil` traces (docs/gil.md): read from the running
/// tracer by the control worker; service.py keeps only the target's own threads (pyinspect's are no Python
/// threads).
public struct CheckpointGIL: Codable, Sendable, Equatable {
    public var seconds: Double
    /// GIL acquisitions and holder changes between the target's threads.
    public var acquisitions: UInt64
    public var switches: UInt64
    public var threads: [Thread]

    public struct Thread: Codable, Sendable, Equatable {
        public var nativeId: Int32
        public var heldS: Double
        public var waitedS: Double
        enum CodingKeys: String, CodingKey { case nativeId = "native_id", heldS = "held_s", waitedS = "waited_s" }
    }

    /// Thread-safety: the control worker alone reads the tracer for checkpoints.
    nonisolated(unsafe) private static var previous: (ns: UInt64, acquisitions: UInt64, switches: UInt64, threads: [Int32: (UInt64, UInt64)])?

    /// The tracer's totals since it started (`pyinspect top` takes differences); nil when it is off.
    static func runningTotals() -> CheckpointGIL? {
        guard GILRun.tracing else { return nil }
        var totals = pyi_gil_trace_totals()
        pyi_gil_trace_get_totals(&totals)
        guard totals.mode != Int32(PYI_GIL_MODE_OFF) else { return nil }
        let scale = totals.ticks_per_ns > 0 ? totals.ticks_per_ns : 1
        var threads: [Thread] = []
        for index in 0..<max(0, totals.threads) {
            var figures = pyi_gil_thread_figures()
            guard pyi_gil_trace_thread(Int32(index), &figures) == 0, figures.tid != 0 else { continue }
            threads.append(Thread(nativeId: figures.tid, heldS: Double(figures.hold_total_ns) / scale / 1e9,
                                  waitedS: Double(figures.wait_total_ns) / scale / 1e9))
        }
        return CheckpointGIL(seconds: Double(totals.stop_ns) / 1e9, acquisitions: totals.acquisitions,
                             switches: totals.switches, threads: threads)
    }

    /// nil when the tracer is off.
    static func sinceLastCheckpoint() -> CheckpointGIL? {
        // Only once the tracer started: its totals read the GIL's layout, resolved at start.
        guard GILRun.tracing else { return nil }
        var totals = pyi_gil_trace_totals()
        pyi_gil_trace_get_totals(&totals)
        guard totals.mode != Int32(PYI_GIL_MODE_OFF) else { return nil }
        let scale = totals.ticks_per_ns > 0 ? totals.ticks_per_ns : 1
        var now: [Int32: (UInt64, UInt64)] = [:]
        for index in 0..<max(0, totals.threads) {
            var figures = pyi_gil_thread_figures()
            guard pyi_gil_trace_thread(Int32(index), &figures) == 0, figures.tid != 0 else { continue }
            now[figures.tid] = (figures.hold_total_ns, figures.wait_total_ns)
        }
        let before = previous
        previous = (totals.stop_ns, totals.acquisitions, totals.switches, now)
        let threads = now.keys.sorted().map { tid -> Thread in
            let (hold, wait) = now[tid] ?? (0, 0)
            let (holdBefore, waitBefore) = before?.threads[tid] ?? (0, 0)
            return Thread(
                nativeId: tid, heldS: Double(hold &- min(hold, holdBefore)) / scale / 1e9,
                waitedS: Double(wait &- min(wait, waitBefore)) / scale / 1e9)
        }
        return CheckpointGIL(
            seconds: Double(totals.stop_ns &- min(totals.stop_ns, before?.ns ?? 0)) / 1e9,
            acquisitions: totals.acquisitions &- min(totals.acquisitions, before?.acquisitions ?? 0),
            switches: totals.switches &- min(totals.switches, before?.switches ?? 0), threads: threads)
    }
}
