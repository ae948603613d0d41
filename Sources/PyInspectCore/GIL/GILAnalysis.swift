import FoundationEssentials
import Glibc

/// Turns the tracer's raw figures into the report's `gil` section. Pure: same capture, same section.
public enum GILAnalysis {
    /// How many of the longest holds the report lists.
    public static let longestHoldsListed = 10

    /// `hostThreads`: pyinspect's own native threads (name by native id). They take the GIL now and then to
    /// look at the target; they are named, and left out of the figures, holds, convoys and verdict.
    public static func analyze(
        _ capture: GILCapture, threads known: [ThreadInfo], hostThreads: [Int64: String] = [:]
    ) -> GILSection {
        let record = capture.record
        let duration = max(Double(record.durationNs) / 1e9, 1e-9)
        let names = threadNames(record: record, known: known, hostThreads: hostThreads)
        let exact = record.mode == .exact
        var figures = record.threads.enumerated().compactMap { index, thread -> GILThreadFigures? in
            guard hostThreads[thread.nativeId] == nil else { return nil }
            return threadFigures(thread, name: names[index], record: record, duration: duration)
        }
        if !exact {
            // Sampling sees only holders: list the threads threading saw that were never caught holding.
            let seen = Set(record.threads.map(\.nativeId))
            for thread in known {
                guard let id = thread.nativeId, !seen.contains(id) else { continue }
                figures.append(GILThreadFigures(
                    name: thread.name, nativeId: id, heldFraction: 0, waitFraction: nil, heldS: 0, waitedS: nil,
                    acquisitions: nil, switchesIn: nil, maxHoldMs: nil, maxWaitMs: nil, holdMs: nil, waitMs: nil,
                    cpuS: nil, lifetimeS: round6(((thread.endedS ?? duration) - (thread.startedS ?? 0)))))
            }
        }
        let heldFraction: Double
        if exact {
            heldFraction = min(1, figures.reduce(0) { $0 + $1.heldS } / duration)
        } else {
            heldFraction = record.sampleTicks > 0 ? Double(record.lockedTicks) / Double(record.sampleTicks) : 0
        }
        let hostNames = Set(hostThreads.values)
        let holds = longestHolds(capture: capture, names: names).filter { !hostNames.contains($0.thread) }
        let maxThread: GILThreadFigures? = exact
            ? figures.max { ($0.maxHoldMs ?? 0) < ($1.maxHoldMs ?? 0) }
            : nil
        var maxHoldMs = maxThread?.maxHoldMs ?? 0
        var maxHoldThread = maxThread.flatMap { ($0.maxHoldMs ?? 0) > 0 ? $0.name : nil }
        if !exact, let longest = holds.first {
            maxHoldMs = longest.durationMs
            maxHoldThread = longest.thread
        }
        let convoys = findConvoys(figures, duration: duration)
        var section = GILSection(
            mode: record.mode.rawValue, fallbackReason: record.fallbackReason, durationS: round6(duration),
            heldFraction: round4(heldFraction), switches: record.switches, cpythonSwitches: record.cpythonSwitches,
            // The target's threads' acquisitions: pyinspect's own are left out as their figures are.
            acquisitions: exact ? figures.reduce(0) { $0 + ($1.acquisitions ?? 0) } : nil, maxHoldMs: round3(maxHoldMs), maxHoldThread: maxHoldThread,
            longHoldThresholdMs: round3(Double(record.longHoldNs) / 1e6),
            sampleIntervalMs: exact ? nil : round3(Double(record.tickNs) / 1e6), threads: figures,
            longestHolds: holds, convoys: convoys,
            verdict: GILVerdict(kind: "not_gil_bound", gilBound: false, thread: nil, text: "", advice: [], figures: []),
            timeline: GILTimelineInfo(events: record.events, eventsDropped: record.eventsDropped))
        section.verdict = GILVerdictRules.decide(section)
        return section
    }

    /// threading's names by native id; threads threading never saw are "native-<id>".
    static func threadNames(
        record: GILTraceRecord, known: [ThreadInfo], hostThreads: [Int64: String] = [:]
    ) -> [String] {
        var byNative: [Int64: String] = hostThreads
        for thread in known { if let id = thread.nativeId, byNative[id] == nil { byNative[id] = thread.name } }
        if let main = record.mainNativeId, byNative[main] == nil { byNative[main] = "MainThread" }
        return record.threads.map {
            $0.nativeId == -1 ? "other threads" : byNative[$0.nativeId] ?? "native-\($0.nativeId)"
        }
    }

    static func threadFigures(_ thread: GILTraceRecord.Thread, name: String, record: GILTraceRecord,
                              duration: Double) -> GILThreadFigures {
        let exact = record.mode == .exact
        let end = thread.exitNs ?? record.durationNs
        let lifetime = Double(end >= thread.firstNs ? end - thread.firstNs : 0) / 1e9
        let held: Double
        if exact {
            held = Double(thread.holdTotalNs) / 1e9
        } else {
            let share = record.sampleTicks > 0 ? Double(thread.sampledTicks) / Double(record.sampleTicks) : 0
            held = share * duration
        }
        var figures = GILThreadFigures(
            name: name, nativeId: thread.nativeId, heldFraction: round4(min(1, held / duration)), waitFraction: nil,
            heldS: round6(held), waitedS: nil, acquisitions: nil, switchesIn: nil, maxHoldMs: nil, maxWaitMs: nil,
            holdMs: nil, waitMs: nil, cpuS: thread.cpuNs.map { round6(Double($0) / 1e9) }, lifetimeS: round6(lifetime))
        if exact {
            let waited = Double(thread.waitTotalNs) / 1e9
            figures.waitFraction = round4(min(1, waited / duration))
            figures.waitedS = round6(waited)
            figures.acquisitions = thread.acquisitions
            figures.switchesIn = thread.switchesIn
            figures.maxHoldMs = round3(Double(thread.maxHoldNs) / 1e6)
            figures.maxWaitMs = round3(Double(thread.maxWaitNs) / 1e6)
            let scale = record.histogramTicksPerNs
            figures.holdMs = percentiles(thread.holdHistogram, maxNs: thread.maxHoldNs, ticksPerNs: scale)
            figures.waitMs = percentiles(thread.waitHistogram, maxNs: thread.maxWaitNs, ticksPerNs: scale)
        }
        return figures
    }

    static func percentiles(_ histogram: [[UInt64]], maxNs: UInt64, ticksPerNs: Double) -> GILPercentiles? {
        guard let p50 = GILHistogram.quantile(histogram, 0.5, maxNs: maxNs, ticksPerNs: ticksPerNs),
            let p90 = GILHistogram.quantile(histogram, 0.9, maxNs: maxNs, ticksPerNs: ticksPerNs),
            let p99 = GILHistogram.quantile(histogram, 0.99, maxNs: maxNs, ticksPerNs: ticksPerNs)
        else { return nil }
        return GILPercentiles(p50Ms: round4(p50 / 1e6), p90Ms: round4(p90 / 1e6), p99Ms: round4(p99 / 1e6))
    }

    /// Exact mode: the recorded long holds (and a hold still open at the end); sampling mode: the watcher's
    /// estimates. Each joined with what the watcher saw during it.
    static func longestHolds(capture: GILCapture, names: [String]) -> [GILHold] {
        let record = capture.record
        var spans: [(thread: Int, start: UInt64, duration: UInt64, seq: UInt64?)] = []
        if record.mode == .exact {
            spans = record.longHolds.map { ($0.thread, $0.startNs, $0.durationNs, $0.seq) }
            for (index, thread) in record.threads.enumerated() {
                if let open = thread.openHoldStartNs, record.durationNs >= open,
                    record.durationNs - open >= record.longHoldNs
                {
                    spans.append((index, open, record.durationNs - open, nil))
                }
            }
        } else {
            spans = record.watches.map { ($0.thread, $0.startNs, $0.durationNs, $0.seq) }
        }
        spans.sort { $0.duration > $1.duration }
        return spans.prefix(longestHoldsListed).map { span in
            let watch = record.watches.first { $0.thread == span.thread && $0.startNs == span.start }
            let stack = watch.flatMap { capture.stacks[$0.seq] } ?? []
            let name = span.thread >= 0 && span.thread < names.count ? names[span.thread] : "thread \(span.thread)"
            let nativeId = span.thread >= 0 && span.thread < record.threads.count ? record.threads[span.thread].nativeId : 0
            let (activity, onCpu) = classify(watch)
            let runnable = runnableFraction(watch)
            return GILHold(
                thread: name, nativeId: nativeId, startS: round6(Double(span.start) / 1e9),
                durationMs: round3(Double(span.duration) / 1e6), activity: activity, onCpuFraction: onCpu,
                runnableFraction: runnable,
                description: describe(activity: activity, onCpu: onCpu, runnable: runnable, stack: stack), stack: stack)
        }
    }

    /// Bytecode advancing between samples means Python code ran; a frame frozen on one instruction for the
    /// whole hold means one call (C code, or one long bytecode) never let go.
    static func classify(_ watch: GILTraceRecord.Watch?) -> (String, Double?) {
        guard let watch else { return ("unknown", nil) }
        let onCpu: Double? = watch.cpuNs.flatMap { cpu in
            watch.wallNs >= 2_000_000 ? round3(min(1, Double(cpu) / Double(watch.wallNs))) : nil
        }
        let framed = Int(watch.samples) - Int(watch.noFrameSamples)
        if watch.samples >= 3 && framed * 2 < Int(watch.samples) { return ("no_python_frame", onCpu) }
        guard framed >= 3 else { return ("unknown", onCpu) }
        return (watch.advancedSamples == 0 ? "c_call" : "python", onCpu)
    }

    /// The share of the sampled wall time the holder was runnable but had no core (schedstat's wait time).
    static func runnableFraction(_ watch: GILTraceRecord.Watch?) -> Double? {
        guard let watch, let runnable = watch.runnableNs, watch.wallNs >= 2_000_000 else { return nil }
        return round3(min(1, Double(runnable) / Double(watch.wallNs)))
    }

    /// Blocked means neither on a core nor waiting for one: off CPU for a reason of its own (I/O, a lock, a
    /// sleep). A CPU-bound call on a loaded machine is off CPU too, but runnable, and is not blocking.
    static func describe(activity: String, onCpu: Double?, runnable: Double? = nil, stack: [StackFrame]) -> String {
        let place = stack.first.map { " at \($0.file):\($0.line) in \($0.function)" } ?? ""
        let blocked = (onCpu ?? 1) + (runnable ?? 0) < 0.5
        switch activity {
        case "c_call":
            return blocked
                ? "one call\(place) held the GIL while mostly off CPU (blocking without releasing the GIL)"
                : "one C call\(place) ran without releasing the GIL"
        case "python":
            return "Python bytecode kept running\(place) (the switch interval did not interrupt it)"
        case "no_python_frame":
            return "C code outside any Python frame held the GIL (start-up, finalization or a native thread)"
        default:
            return "held the GIL\(place)"
        }
    }

    /// Threads that waited at least twice as long as they held, and at least 10% of the run.
    static func findConvoys(_ threads: [GILThreadFigures], duration: Double) -> [GILConvoy] {
        threads.sorted { ($0.waitedS ?? 0) > ($1.waitedS ?? 0) }.compactMap { thread in
            guard let waited = thread.waitedS, waited >= 0.1 * duration, waited >= 2 * thread.heldS else { return nil }
            let behind = threads.filter { $0.nativeId != thread.nativeId && $0.heldFraction >= 0.1 }
                .sorted { $0.heldS > $1.heldS }.map(\.name)
            let message = String(
                format: "%@ waited for the GIL %.0f%% of the run and held it %.1f%%%@", thread.name,
                (thread.waitFraction ?? 0) * 100, thread.heldFraction * 100,
                behind.isEmpty ? "" : " (behind \(behind.joined(separator: ", ")))")
            return GILConvoy(
                thread: thread.name, nativeId: thread.nativeId, waitFraction: thread.waitFraction ?? 0,
                heldFraction: thread.heldFraction, behind: behind, message: message)
        }
    }

    static func round3(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }
    static func round4(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
    static func round6(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}
