/// One checkpoint as the target's service.py records it (`pyinspect checkpoint`): memory, a type census,
/// sampled allocation sites still alive, and counts. The census and sites stay in the target; the capture and
/// the run's report keep the rest (`CheckpointSummary`).
public struct CheckpointRecord: Codable, Sendable, Equatable {
    public var index: Int
    public var name: String
    /// Seconds since the target started.
    public var timeS: Double
    public var memory: CheckpointMemory
    public var fds: Int
    public var threads: Int
    public var tasks: Int
    public var gc: CheckpointGC?
    /// Objects the census counted (gc-tracked and the untracked ones they hold).
    public var objects: Int64
    /// Objects per type name (only in the target's full record).
    public var types: [String: Int64]?
    /// Allocation sites with sampled bytes still alive, most first (only in the full record).
    public var sites: [CheckpointSite]?
    /// How long the checkpoint held the GIL (the service's pause).
    public var pauseS: Double?
    /// The sampler's mean bytes between samples (nil: no sampler).
    public var sampleBytes: Int64?
    /// GIL figures since the previous checkpoint, with `run --gil`.
    public var gil: CheckpointGIL?

    enum CodingKeys: String, CodingKey {
        case index, name, timeS = "time_s", memory, fds, threads, tasks, gc, objects, types, sites
        case pauseS = "pause_s", sampleBytes = "sample_bytes", gil
    }
}

public struct CheckpointMemory: Codable, Sendable, Equatable {
    /// sys.getallocatedblocks().
    public var pythonBlocks: Int64
    public var rssBytes: Int64
    /// glibc mallinfo2: in-use chunks plus mmap'd ones.
    public var cHeapBytes: Int64
    /// tracemalloc's traced bytes, when the target traces.
    public var pythonTracedBytes: Int64?

    enum CodingKeys: String, CodingKey {
        case pythonBlocks = "python_blocks", rssBytes = "rss_bytes", cHeapBytes = "c_heap_bytes"
        case pythonTracedBytes = "python_traced_bytes"
    }
}

public struct CheckpointGC: Codable, Sendable, Equatable {
    public var counts: [Int]
    public var collections: [Int]
    public var collected: Int
}

/// Sampled allocations alive at one site: the innermost frame of the target's own code.
public struct CheckpointSite: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    /// Estimated bytes still alive that were allocated here (sampled).
    public var liveBytes: Int64
    /// Estimated allocations made here since sampling started.
    public var allocations: Int64
    /// Innermost first.
    public var traceback: [SiteFrame]

    enum CodingKeys: String, CodingKey {
        case file, line, function, liveBytes = "live_bytes", allocations, traceback
    }
}

public struct SiteFrame: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
}

/// `checkpoints` in the run's JSON report: each checkpoint taken, without its census.
public struct CheckpointSummary: Codable, Sendable, Equatable {
    public var index: Int
    public var name: String
    public var timeS: Double
    public var memory: CheckpointMemory
    public var fds: Int
    public var threads: Int
    public var tasks: Int
    public var objects: Int64
    public var pauseS: Double?
    /// CPU seconds the checkpoint used while it held the GIL (on a busy machine `pauseS` counts others' turns).
    public var pauseCpuS: Double?
    /// GIL figures since the previous checkpoint, with `run --gil`.
    public var gil: CheckpointGIL?
    /// The five sites with the most sampled bytes alive.
    public var topSites: [TopSite]?

    public struct TopSite: Codable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var function: String
        public var liveBytes: Int64
        enum CodingKeys: String, CodingKey { case file, line, function, liveBytes = "live_bytes" }
    }

    enum CodingKeys: String, CodingKey {
        case index, name, timeS = "time_s", memory, fds, threads, tasks, objects, pauseS = "pause_s"
        case topSites = "top_sites", gil
        case pauseCpuS = "pause_cpu_s"  // checkpoint pause (issue 17)
    }
}
