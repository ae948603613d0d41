/// `leaks` in the JSON report: one entry per leak found (docs/schema/leaks.schema.json).
public struct LeakFinding: Codable, Sendable, Equatable {
    /// memory, objects, native, fds, threads, tasks, connections (database connections kept open).
    public var kind: String
    /// The first frame in the user's own code on the path that allocated (or, for native memory, grew) the leak.
    public var site: SourceSite?
    /// The allocation's traceback, innermost frame first.
    public var traceback: [StackFrame]
    /// The growing types, most first.
    public var types: [LeakType]
    public var bytesPerCall: Double
    public var objectsPerCall: Double
    /// References from a root (module global, class attribute, running frame, thread) to a sample leaked object.
    public var chain: [ChainStep]
    public var message: String?
    /// threads: the targets of the threads left running.
    public var targets: [String]?
    /// tasks: the coroutines of the tasks left pending.
    public var coroutines: [String]?
    /// The user line during which the leaked object's holder grew (it stored the object), when it is not the
    /// allocating line: `stored at app.py:18`.
    public var storedAt: SourceSite?
    /// The stack of that line, innermost frame first.
    public var storedTraceback: [StackFrame]?

    enum CodingKeys: String, CodingKey {
        case kind, site, traceback, types, bytesPerCall = "bytes_per_call", objectsPerCall = "objects_per_call"
        case chain, message, targets, coroutines, storedAt = "stored_at", storedTraceback = "stored_traceback"
    }

    public init(kind: String, site: SourceSite? = nil, traceback: [StackFrame] = [], types: [LeakType] = [],
                bytesPerCall: Double = 0, objectsPerCall: Double = 0, chain: [ChainStep] = [], message: String? = nil) {
        self.kind = kind
        self.site = site
        self.traceback = traceback
        self.types = types
        self.bytesPerCall = bytesPerCall
        self.objectsPerCall = objectsPerCall
        self.chain = chain
        self.message = message
    }
}

public struct LeakType: Codable, Sendable, Equatable {
    public var name: String
    /// Growth over the attribution calls.
    public var count: Int
    public var perCall: Double
    enum CodingKeys: String, CodingKey { case name, count, perCall = "per_call" }
}

public struct ChainStep: Codable, Sendable, Equatable {
    public var type: String
    /// How the previous step refers to this one: `.attr`, `['key']`, `[3]`; empty for the root.
    public var via: String
    public var repr: String
}

/// A signal grew, but what grew is held by a container with a bound (an lru_cache with a maxsize, a deque
/// with a maxlen, the re module's cache, an object with a `maxsize`): a cache filling, reported clean with the
/// reason "bounded: fills to N".
public struct LeakBoundedHolder: Codable, Sendable, Equatable {
    /// What has the bound: `lru_cache render`, `deque`, `module re cache (_MAXCACHE)`, a class name.
    public var holder: String
    /// The most entries it keeps.
    public var bound: Int
    /// Entries it had when found.
    public var size: Int
    /// References from a root to a sample object it holds.
    public var chain: [ChainStep]
    public var types: [LeakType]
    public var site: SourceSite?
    /// The hunt kept calling until the holder reached its bound (false: the bound was too far to reach, and is
    /// trusted because the holder is the standard library's lru_cache or deque).
    public var reached: Bool?
}

/// `leak_hunt` in the JSON report: how the verdict was reached, with the per-call series.
public struct LeakHuntSection: Codable, Sendable, Equatable {
    public var warmupCalls: Int
    /// Measured calls (each series has calls + 1 values: the baseline first).
    public var calls: Int
    /// Seconds spent in the target's calls.
    public var targetSeconds: Double
    /// "decided" (every signal decided), "budget" (the time budget ran out) or "interrupted" (Ctrl-C, SIGTERM).
    public var stoppedBy: String
    public var signals: [LeakSignal]
    /// Growth found to be held by bounded containers (so not a leak), with the bound.
    public var bounded: [LeakBoundedHolder]?

    enum CodingKeys: String, CodingKey {
        case warmupCalls = "warmup_calls", calls, targetSeconds = "target_seconds", stoppedBy = "stopped_by", signals
        case bounded
    }
}

public struct LeakSignal: Codable, Sendable, Equatable {
    /// blocks (Python memory blocks), objects (gc-tracked objects), native (C heap bytes), fds, threads, tasks,
    /// references, connections (database connections open).
    public var name: String
    public var trend: LeakTrend
    public var growthPerCall: Double
    /// The level after the warm-up, then after each measured call.
    public var series: [Int64]
    enum CodingKeys: String, CodingKey { case name, trend, growthPerCall = "growth_per_call", series }
}
