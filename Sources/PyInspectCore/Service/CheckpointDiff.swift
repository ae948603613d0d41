/// The diff of two checkpoints and the verdict on a series of them: pure functions over the records the
/// target's service.py returns (unit-tested without Python).
public enum CheckpointDiff {
    /// Sites and types listed in a diff, at most.
    public static let listed = 20
    /// Types that get a reference chain: the top growers.
    public static let chained = 3
    /// The least relative rise over a short series for a byte or block signal to be growing (see `trend`).
    public static let noiseFloor = 0.01

    public static func compute(from: CheckpointRecord, to: CheckpointRecord, series: [CheckpointRecord] = [])
        -> DiffSection
    {
        DiffSection(
            from: reference(from), to: reference(to), seconds: max(0, to.timeS - from.timeS),
            memory: MemoryDelta(
                pythonBlocks: to.memory.pythonBlocks - from.memory.pythonBlocks,
                rssBytes: to.memory.rssBytes - from.memory.rssBytes,
                cHeapBytes: to.memory.cHeapBytes - from.memory.cHeapBytes,
                pythonTracedBytes: to.memory.pythonTracedBytes.flatMap { after in
                    from.memory.pythonTracedBytes.map { after - $0 }
                }),
            sites: siteGrowth(from: from.sites ?? [], to: to.sites ?? []),
            types: typeGrowth(from: from.types ?? [:], to: to.types ?? [:]),
            objects: to.objects - from.objects, fds: to.fds - from.fds, threads: to.threads - from.threads,
            tasks: to.tasks - from.tasks, verdict: verdict(series), notes: nil)
    }

    static func reference(_ record: CheckpointRecord) -> CheckpointReference {
        CheckpointReference(index: record.index, name: record.name, timeS: record.timeS)
    }

    /// Sites whose sampled live bytes grew, joined by file and line; most growth first, ties by place.
    public static func siteGrowth(from: [CheckpointSite], to: [CheckpointSite]) -> [SiteDelta] {
        var before: [String: CheckpointSite] = [:]
        for site in from { before["\(site.file):\(site.line)"] = site }
        let grown = to.compactMap { site -> SiteDelta? in
            let earlier = before["\(site.file):\(site.line)"]
            let bytes = site.liveBytes - (earlier?.liveBytes ?? 0)
            guard bytes > 0 else { return nil }
            return SiteDelta(
                file: site.file, line: site.line, function: site.function, bytesDelta: bytes,
                countDelta: max(0, site.allocations - (earlier?.allocations ?? 0)), traceback: site.traceback)
        }
        return Array(
            grown.sorted {
                ($0.bytesDelta, $1.file, $1.line) > ($1.bytesDelta, $0.file, $0.line)
            }.prefix(listed))
    }

    /// Types whose count grew; most first, ties by name.
    public static func typeGrowth(from: [String: Int64], to: [String: Int64]) -> [TypeDelta] {
        let grown = to.compactMap { name, count -> TypeDelta? in
            let delta = count - (from[name] ?? 0)
            return delta > 0 ? TypeDelta(type: name, delta: delta, chain: nil, sample: nil) : nil
        }
        return Array(grown.sorted { ($0.delta, $1.type) > ($1.delta, $0.type) }.prefix(listed))
    }

    /// The leak hunter's verdict over three or more checkpoints (nil with fewer).
    public static func verdict(_ series: [CheckpointRecord]) -> SeriesVerdict? {
        guard series.count >= 3 else { return nil }
        let signals: [(String, [Int64])] = [
            ("blocks", series.map(\.memory.pythonBlocks)), ("objects", series.map(\.objects)),
            ("native", series.map(\.memory.cHeapBytes)), ("fds", series.map { Int64($0.fds) }),
            ("threads", series.map { Int64($0.threads) }), ("tasks", series.map { Int64($0.tasks) }),
        ]
        let judged = signals.map { name, levels in
            LeakSignal(
                name: name, trend: trend(levels, exact: LeakVerdict.exactSignals.contains(name)),
                growthPerCall: LeakVerdict.growthPerCall(levels), series: levels)
        }
        let verdict: String
        if judged.contains(where: { $0.trend == .growing }) {
            verdict = "leak"
        } else if judged.allSatisfy({ $0.trend == .flat }) {
            verdict = "clean"
        } else {
            verdict = "undecided"
        }
        return SeriesVerdict(verdict: verdict, checkpoints: series.count, signals: judged)
    }

    /// A series of checkpoints is short next to the leak hunter's hundreds of calls: with fewer than nine levels
    /// (too few for LeakVerdict's quarters), growing means a new high at every checkpoint, flat means the last
    /// set no new high; longer series go to LeakVerdict with plateaus scaled to checkpoints. Byte and block
    /// signals (not `exact`) must also rise by `noiseFloor` of their first level: a service at rest still moves
    /// by a few hundred blocks or kilobytes between checkpoints (the sampler's tables, interned names).
    public static func trend(_ levels: [Int64], exact: Bool) -> LeakTrend {
        guard levels.count >= 3 else { return .undecided }
        if levels.count < 9 {
            let highs = LeakVerdict.records(levels)
            if highs.count == levels.count - 1 {
                guard !exact, let first = levels.first, let last = levels.last else { return .growing }
                return Double(last - first) >= noiseFloor * Double(max(first, 1)) ? .growing : .flat
            }
            guard let last = levels.last, let earlierHigh = levels.dropLast().max() else { return .undecided }
            return last <= earlierHigh ? .flat : .undecided
        }
        var policy = LeakPolicy()
        policy.warmupCalls = 0
        policy.minCalls = 8
        policy.minPlateau = 3
        policy.exactMinCalls = 8
        policy.sporadicPlateau = 8
        policy.leakCalls = 8
        return LeakVerdict.trend(levels, final: true, policy: policy, exact: exact)
    }
}
