/// `diff` (`pyinspect diff TARGET [FROM [TO]]`): what changed between two checkpoints.
public struct DiffSection: Codable, Sendable, Equatable {
    public var from: CheckpointReference
    public var to: CheckpointReference
    public var seconds: Double
    public var memory: MemoryDelta
    /// Sites whose sampled live bytes grew, most first.
    public var sites: [SiteDelta]
    /// Types whose object count grew, most first; the top growers carry a reference chain.
    public var types: [TypeDelta]
    public var objects: Int64
    public var fds: Int
    public var threads: Int
    public var tasks: Int
    /// With three checkpoints or more: the leak hunter's verdict on their series.
    public var verdict: SeriesVerdict?
    /// Why something could not be given (chains whose ids are no longer kept).
    public var notes: [String]?

    enum CodingKeys: String, CodingKey {
        case from, to, seconds, memory, sites, types, objects, fds, threads, tasks, verdict, notes
    }
}

public struct CheckpointReference: Codable, Sendable, Equatable {
    /// 0 for "now" (a census taken for the diff, not kept).
    public var index: Int
    public var name: String
    public var timeS: Double
    enum CodingKeys: String, CodingKey { case index, name, timeS = "time_s" }
}

public struct MemoryDelta: Codable, Sendable, Equatable {
    public var pythonBlocks: Int64
    public var rssBytes: Int64
    public var cHeapBytes: Int64
    public var pythonTracedBytes: Int64?
    enum CodingKeys: String, CodingKey {
        case pythonBlocks = "python_blocks", rssBytes = "rss_bytes", cHeapBytes = "c_heap_bytes"
        case pythonTracedBytes = "python_traced_bytes"
    }
}

public struct SiteDelta: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    /// Change in sampled bytes still alive from this site.
    public var bytesDelta: Int64
    /// Allocations made at this site between the two checkpoints (estimated from the samples).
    public var countDelta: Int64
    /// Innermost first.
    public var traceback: [SiteFrame]
    enum CodingKeys: String, CodingKey {
        case file, line, function, bytesDelta = "bytes_delta", countDelta = "count_delta", traceback
    }
}

public struct TypeDelta: Codable, Sendable, Equatable {
    public var type: String
    public var delta: Int64
    /// References from a root to a sample object of this type born between the two checkpoints (as `leaks`).
    public var chain: [ChainStep]?
    public var sample: String?
}

/// The leak hunter's terms over the checkpoints' series (LeakTrend per signal).
public struct SeriesVerdict: Codable, Sendable, Equatable {
    /// "leak" when a signal grows at every checkpoint, "clean" when every signal is flat, else "undecided".
    public var verdict: String
    public var checkpoints: Int
    public var signals: [LeakSignal]
}
