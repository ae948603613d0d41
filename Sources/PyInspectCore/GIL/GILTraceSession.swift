import CPythonShim
import FoundationEssentials
import Glibc

/// The target side of GIL tracing: starts the tracer (exact, or sampling when its self-test fails) before the
/// target runs and saves its figures after the target has ended. Runs in the supervised child; `start` must
/// be called on the thread that initialised Python, holding the GIL.
enum GILTraceSession {
    struct Started {
        var mode: GILTraceRecord.Mode
        var fallbackReason: String?
        var mainNativeId = Int64(pyi_gil_current_tid())
    }

    /// nil when tracing is impossible (the reason is in `problem`).
    static func start(options: GILOptions, capturePath: String, problem: inout String?) -> Started? {
        let paths = GILCapture.paths(capturePath: capturePath)
        var message = [CChar](repeating: 0, count: 512)
        let mode: Int32 = paths.stacks.withCString { stacksPath in
            var cOptions = pyi_gil_trace_options(
                long_hold_ms: options.longHoldMs, force_sampling: options.sampling ? 1 : 0,
                events_capacity: UInt64(max(0, options.eventsCapacity)), stacks_path: stacksPath)
            return pyi_gil_trace_start(&cOptions, &message, message.count)
        }
        let text = String(cString: message)
        switch Int(mode) {
        case Int(PYI_GIL_MODE_EXACT): return Started(mode: .exact, fallbackReason: nil)
        case Int(PYI_GIL_MODE_SAMPLED):
            return Started(mode: .sampled, fallbackReason: options.sampling ? "sampling was asked for" : text)
        default:
            problem = text.isEmpty ? "the GIL tracer could not start" : text
            return nil
        }
    }

    /// Stops the tracer and writes `<capture>.gil.json` and `.gil.events`.
    static func finish(started: Started, capturePath: String) {
        pyi_gil_trace_stop()
        let paths = GILCapture.paths(capturePath: capturePath)
        let record = collect(started: started)
        if let data = try? GILTraceRecord.encoder.encode(record) {
            try? data.write(to: URL(fileURLWithPath: paths.record))
        }
        _ = pyi_gil_trace_write_events(paths.events)
    }

    static func collect(started: Started) -> GILTraceRecord {
        var totals = pyi_gil_trace_totals()
        pyi_gil_trace_get_totals(&totals)
        var threads: [GILTraceRecord.Thread] = []
        for index in 0..<Int(totals.threads) {
            var figures = pyi_gil_thread_figures()
            guard pyi_gil_trace_thread(Int32(index), &figures) == 0 else { continue }
            var thread = GILTraceRecord.Thread(nativeId: Int64(figures.tid))
            thread.acquisitions = figures.acquisitions
            thread.switchesIn = figures.switches_in
            thread.holdTotalNs = figures.hold_total_ns
            thread.waitTotalNs = figures.wait_total_ns
            thread.maxHoldNs = figures.max_hold_ns
            thread.maxWaitNs = figures.max_wait_ns
            thread.firstNs = figures.first_ns
            thread.exitNs = figures.exited != 0 ? figures.exit_ns : nil
            thread.cpuNs = figures.cpu_known != 0 ? figures.cpu_ns : nil
            thread.sampledTicks = figures.sampled_ticks
            thread.openHoldStartNs = figures.held_at_stop != 0 ? figures.open_hold_start_ns : nil
            thread.openWaitStartNs = figures.waiting_at_stop != 0 ? figures.open_wait_start_ns : nil
            thread.holdHistogram = histogram(index: index, waits: false)
            thread.waitHistogram = histogram(index: index, waits: true)
            threads.append(thread)
        }
        var record = GILTraceRecord(mode: started.mode, durationNs: totals.stop_ns, threads: threads)
        record.fallbackReason = started.fallbackReason
        record.mainNativeId = started.mainNativeId
        record.acquisitions = totals.acquisitions
        record.switches = started.mode == .exact ? totals.switches : totals.switch_number_delta
        record.cpythonSwitches = totals.switch_number_delta
        record.allSwitches = started.mode == .exact ? totals.all_switches : nil
        record.longHoldNs = totals.long_hold_ns
        record.histogramTicksPerNs = totals.ticks_per_ns > 0 ? totals.ticks_per_ns : 1
        record.tickNs = totals.tick_ns
        record.sampleTicks = totals.sample_ticks
        record.lockedTicks = totals.locked_ticks
        record.events = totals.events
        record.eventsDropped = totals.events_dropped
        record.untrackedEvents = totals.untracked_events
        for index in 0..<Int(totals.long_holds) {
            var hold = pyi_gil_long_hold()
            if pyi_gil_trace_long_hold(Int32(index), &hold) == 0 {
                record.longHolds.append(.init(seq: hold.seq, thread: Int(hold.slot), startNs: hold.start_ns,
                                              durationNs: hold.duration_ns))
            }
        }
        for index in 0..<Int(pyi_gil_trace_watch_count()) {
            var watch = pyi_gil_watch()
            guard pyi_gil_trace_watch(Int32(index), &watch) == 0 else { continue }
            let wall = watch.last_sample_ns >= watch.first_sample_ns ? watch.last_sample_ns - watch.first_sample_ns : 0
            let cpu: UInt64? = watch.cpu_known != 0 && watch.cpu_last_ns >= watch.cpu_first_ns
                ? watch.cpu_last_ns - watch.cpu_first_ns : nil
            let runnable: UInt64? = watch.runq_known != 0 && watch.runq_last_ns >= watch.runq_first_ns
                ? watch.runq_last_ns - watch.runq_first_ns : nil
            record.watches.append(.init(
                seq: watch.seq, thread: Int(watch.slot), startNs: watch.start_ns, durationNs: watch.duration_ns,
                samples: watch.samples, advancedSamples: watch.advanced_samples,
                noFrameSamples: watch.no_frame_samples, cpuNs: cpu, wallNs: wall, runnableNs: runnable))
        }
        return record
    }

    private static func histogram(index: Int, waits: Bool) -> [[UInt64]] {
        var buckets = [UInt64](repeating: 0, count: GILHistogram.bucketCount)
        let copied = buckets.withUnsafeMutableBufferPointer { buffer in
            pyi_gil_trace_histogram(Int32(index), waits ? 1 : 0, buffer.baseAddress, Int32(buffer.count))
        }
        return (0..<Int(max(0, copied))).compactMap { buckets[$0] > 0 ? [UInt64($0), buckets[$0]] : nil }
    }
}
