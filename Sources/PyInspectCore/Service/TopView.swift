/// `pyinspect top`: the target's counters (the control socket's `stats` reply) and one frame of the live view,
/// with rates over the interval since the previous reply. Pure: the command asks and draws, this computes.
public struct TopStats: Decodable, Sendable, Equatable {
    public var timeS: Double
    public var pid: Int
    public var program: String?
    public var memory: CheckpointMemory
    public var gc: GC
    public var threads: [ThreadRow]
    public var tasks: Int
    public var fds: Int
    public var checkpoints: Int?
    /// The GIL tracer's totals since it started (`run --gil`), the target's threads only.
    public var gil: CheckpointGIL?
    /// The profile's on-CPU samples by function since it started (`run --profile`).
    public var profile: LiveProfile?

    public struct GC: Decodable, Sendable, Equatable {
        public var counts: [Int]
        public var collections: [Int]
        /// Seconds the target spent in collections (nil: pyinspect's gc callback is not installed).
        public var pauseTotalS: Double?
        enum CodingKeys: String, CodingKey { case counts, collections, pauseTotalS = "pause_total_s" }
    }

    public struct ThreadRow: Decodable, Sendable, Equatable {
        public var name: String
        public var nativeId: Int?
        public var function: String?
        public var file: String?
        public var line: Int?
        enum CodingKeys: String, CodingKey { case name, nativeId = "native_id", function, file, line }
    }

    enum CodingKeys: String, CodingKey {
        case timeS = "time_s", pid, program, memory, gc, threads, tasks, fds, checkpoints, gil, profile
    }
}

/// One frame of `top` (`--json FILE` writes the last one under `top`).
public struct TopFrame: Codable, Sendable, Equatable {
    public var timeS: Double
    public var pid: Int
    public var program: String
    /// Seconds since the previous frame (nil for the first).
    public var intervalS: Double?
    public var memory: CheckpointMemory
    /// Bytes of RSS gained per second over the interval.
    public var rssPerS: Double?
    public var gcCollections: [Int]
    /// Collections per second over the interval, all generations.
    public var gcPerS: Double?
    public var gcPauseTotalS: Double?
    /// Share of the interval spent in collections.
    public var gcPauseShare: Double?
    public var threads: [Thread]
    public var tasks: Int
    public var fds: Int
    public var checkpoints: Int
    /// Share of the interval the GIL was held by any of the target's threads (`run --gil` only).
    public var gilHeldShare: Double?
    /// The functions on CPU most over the interval (since the start for the first frame), `run --profile` only.
    public var busiest: [Busy]?
    /// On-CPU samples those shares are of.
    public var busiestSamples: UInt64?

    public struct Busy: Codable, Sendable, Equatable {
        public var function: String
        public var file: String
        public var line: Int
        /// Share of the on-CPU samples with it innermost, and anywhere in the stack.
        public var selfShare: Double
        public var totalShare: Double
        enum CodingKeys: String, CodingKey { case function, file, line, selfShare = "self_share", totalShare = "total_share" }
    }

    public struct Thread: Codable, Sendable, Equatable {
        public var name: String
        public var nativeId: Int?
        /// Where it runs now: `function (file:line)`.
        public var at: String?
        /// Share of the interval it held the GIL (`run --gil` only).
        public var gilHeldShare: Double?
        /// Share of the interval it waited for the GIL.
        public var gilWaitShare: Double?
        enum CodingKeys: String, CodingKey {
            case name, nativeId = "native_id", at, gilHeldShare = "gil_held_share", gilWaitShare = "gil_wait_share"
        }
    }

    enum CodingKeys: String, CodingKey {
        case timeS = "time_s", pid, program, intervalS = "interval_s", memory, rssPerS = "rss_per_s"
        case gcCollections = "gc_collections", gcPerS = "gc_per_s", gcPauseTotalS = "gc_pause_total_s"
        case gcPauseShare = "gc_pause_share", threads, tasks, fds, checkpoints, gilHeldShare = "gil_held_share"
        case busiest, busiestSamples = "busiest_samples"
    }

    /// How many busiest functions a frame keeps.
    static let busiestKept = 8

    /// The interval's busiest functions: differences of the running counts (a function missing from the
    /// previous reply had none then).
    static func busiest(current: LiveProfile?, previous: LiveProfile?) -> (rows: [Busy], samples: UInt64)? {
        guard let current else { return nil }
        struct Key: Hashable { var function, file: String; var line: Int }
        var before: [Key: (UInt64, UInt64)] = [:]
        for row in previous?.functions ?? [] { before[Key(function: row.function, file: row.file, line: row.line)] = (row.selfSamples, row.totalSamples) }
        let samples = current.cpuSamples - min(current.cpuSamples, previous?.cpuSamples ?? 0)
        guard samples > 0 else { return ([], 0) }
        let rows = current.functions.compactMap { row -> Busy? in
            let (selfBefore, totalBefore) = before[Key(function: row.function, file: row.file, line: row.line)] ?? (0, 0)
            let selfCount = row.selfSamples - min(row.selfSamples, selfBefore)
            guard selfCount > 0 else { return nil }
            let totalCount = row.totalSamples - min(row.totalSamples, totalBefore)
            return Busy(function: row.function, file: row.file, line: row.line,
                        selfShare: Double(selfCount) / Double(samples), totalShare: Double(max(totalCount, selfCount)) / Double(samples))
        }
        return (Array(rows.sorted { $0.selfShare > $1.selfShare }.prefix(busiestKept)), samples)
    }

    /// The frame for `current`, with rates against `previous` when there is one.
    public static func make(current: TopStats, previous: TopStats?) -> TopFrame {
        let interval = previous.map { current.timeS - $0.timeS }.flatMap { $0 > 0 ? $0 : nil }
        func rate(_ now: Double, _ before: Double?) -> Double? {
            guard let interval, let before else { return nil }
            return (now - before) / interval
        }
        let held = Dictionary(current.gil?.threads.map { ($0.nativeId, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        let heldBefore = Dictionary(previous?.gil?.threads.map { ($0.nativeId, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        let gilInterval = current.gil.flatMap { now in previous?.gil.map { now.seconds - $0.seconds } }.flatMap { $0 > 0 ? $0 : nil }
        func share(_ now: Double?, _ before: Double?) -> Double? {
            guard let gilInterval, let now else { return nil }
            return max(0, min(1, (now - (before ?? 0)) / gilInterval))
        }
        let threads = current.threads.map { row -> Thread in
            let id = row.nativeId.map { Int32(truncatingIfNeeded: $0) }
            let now = id.flatMap { held[$0] }
            let before = id.flatMap { heldBefore[$0] }
            var at: String?
            if let function = row.function {
                at = "\(function) (\(PathText.lastComponent(row.file ?? "?")):\(row.line ?? 0))"
            }
            return Thread(name: row.name, nativeId: row.nativeId, at: at,
                          gilHeldShare: share(now?.heldS, before?.heldS), gilWaitShare: share(now?.waitedS, before?.waitedS))
        }
        let totalHeld: Double? = gilInterval == nil ? nil : threads.compactMap(\.gilHeldShare).reduce(0, +)
        let busy = busiest(current: current.profile, previous: previous?.profile)
        return TopFrame(
            timeS: current.timeS, pid: current.pid, program: current.program ?? "", intervalS: interval,
            memory: current.memory,
            rssPerS: rate(Double(current.memory.rssBytes), previous.map { Double($0.memory.rssBytes) }),
            gcCollections: current.gc.collections,
            gcPerS: rate(Double(current.gc.collections.reduce(0, +)), previous.map { Double($0.gc.collections.reduce(0, +)) }),
            gcPauseTotalS: current.gc.pauseTotalS,
            gcPauseShare: current.gc.pauseTotalS.flatMap { rate($0, previous?.gc.pauseTotalS) },
            threads: threads, tasks: current.tasks, fds: current.fds, checkpoints: current.checkpoints ?? 0,
            gilHeldShare: totalHeld.map { min(1, $0) }, busiest: busy?.rows, busiestSamples: busy?.samples)
    }

    /// The frame as text lines (no terminal codes), at most `width` columns each.
    public func lines(width: Int = 100, interval: Double = 1) -> [String] {
        func percent(_ share: Double?) -> String {
            share.map { String(format: $0 >= 0.1 ? "%.0f%%" : "%.1f%%", $0 * 100) } ?? "-"
        }
        var rows: [String] = []
        let name = program.isEmpty ? "" : " " + PathText.lastComponent(program)
        rows.append("pyinspect top: pid \(pid)\(name), up \(ServiceText.seconds(timeS)) s, every \(interval) s; q quits")
        rows.append("memory   RSS \(ServiceText.bytes(memory.rssBytes))"
            + (rssPerS.map { " (\(ServiceText.signed(Int64($0), ServiceText.bytes))/s)" } ?? "")
            + ", Python \(memory.pythonBlocks) blocks, C heap \(ServiceText.bytes(memory.cHeapBytes))")
        var gcLine = "gc       collections " + gcCollections.map(String.init).joined(separator: "/")
        if let gcPerS { gcLine += String(format: " (%.1f/s)", gcPerS) }
        if let gcPauseTotalS {
            gcLine += String(format: ", paused %.1f ms in all", gcPauseTotalS * 1000)
            if let gcPauseShare { gcLine += " (\(percent(gcPauseShare)) of the interval)" }
        }
        rows.append(gcLine)
        rows.append("counts   threads \(threads.count), asyncio tasks \(tasks), fds \(fds), checkpoints \(checkpoints)")
        rows.append("GIL      " + (gilHeldShare.map { "held \(percent($0)) of the interval" }
            ?? (intervalS == nil ? "..." : "not traced (pyinspect run --gil)")))
        rows.append("")
        rows.append("THREAD".padded(toLength: 20) + " " + "NATIVE ID".padded(toLength: 10) + " GIL HELD  WAIT  NOW")
        for thread in threads {
            let id = thread.nativeId.map(String.init) ?? "-"
            rows.append(String(thread.name.prefix(20)).padded(toLength: 20) + " " + id.padded(toLength: 10) + " "
                + percent(thread.gilHeldShare).padded(toLength: 9) + percent(thread.gilWaitShare).padded(toLength: 6)
                + (thread.at ?? ""))
        }
        rows.append("")
        if let busiest, let busiestSamples {
            let span = intervalS == nil ? "since the start" : "over the interval"
            rows.append("BUSIEST  on CPU \(span), \(busiestSamples) samples")
            rows.append("SELF   TOTAL  FUNCTION")
            for row in busiest {
                rows.append(percent(row.selfShare).padded(toLength: 7) + percent(row.totalShare).padded(toLength: 7)
                    + "\(row.function) (\(PathText.lastComponent(row.file)):\(row.line))")
            }
            if busiest.isEmpty { rows.append("  no Python code on CPU") }
        } else {
            rows.append("BUSIEST  not sampled (pyinspect run --profile)")
        }
        return rows.map { $0.count > width ? String($0.prefix(width)) : $0 }
    }
}

extension TopFrame {
    /// The frame as compact JSON (`top --json FILE`).
    public func jsonText() -> String? { try? HelperJSONEncoder.encode(self) }
}
