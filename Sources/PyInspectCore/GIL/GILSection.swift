/// The report's `gil` section (docs/schema/gil.schema.json): who held the GIL, for how long, who waited, and
/// what that means. Fractions are of the traced span (`duration_s`), so the threads' held fractions add up to
/// the overall one.
public struct GILSection: Codable, Sendable, Equatable {
    /// "exact" (every acquire and release traced) or "sampled" (the GIL's state read every `sample_interval_ms`).
    public var mode: String
    public var fallbackReason: String?
    public var durationS: Double
    public var heldFraction: Double
    /// Times the GIL passed to a different thread.
    public var switches: UInt64
    /// CPython's own count over the same span (`_PyRuntime.ceval.gil.switch_number`): a cross-check.
    public var cpythonSwitches: UInt64
    /// Exact mode only.
    public var acquisitions: UInt64?
    public var maxHoldMs: Double
    public var maxHoldThread: String?
    public var longHoldThresholdMs: Double
    public var sampleIntervalMs: Double?
    public var threads: [GILThreadFigures]
    public var longestHolds: [GILHold]
    public var convoys: [GILConvoy]
    public var verdict: GILVerdict
    public var timeline: GILTimelineInfo

    enum CodingKeys: String, CodingKey {
        case mode, fallbackReason = "fallback_reason", durationS = "duration_s", heldFraction = "held_fraction"
        case switches, cpythonSwitches = "cpython_switches", acquisitions, maxHoldMs = "max_hold_ms"
        case maxHoldThread = "max_hold_thread", longHoldThresholdMs = "long_hold_threshold_ms"
        case sampleIntervalMs = "sample_interval_ms", threads, longestHolds = "longest_holds", convoys, verdict
        case timeline
    }
}

public struct GILPercentiles: Codable, Sendable, Equatable {
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    enum CodingKeys: String, CodingKey { case p50Ms = "p50_ms", p90Ms = "p90_ms", p99Ms = "p99_ms" }
}

public struct GILThreadFigures: Codable, Sendable, Equatable {
    /// The `threading` name, or "native-<id>" for a thread threading never saw.
    public var name: String
    public var nativeId: Int64
    public var heldFraction: Double
    /// Exact mode only (sampling cannot see waiters).
    public var waitFraction: Double?
    public var heldS: Double
    public var waitedS: Double?
    public var acquisitions: UInt64?
    /// Times it took the GIL from another thread.
    public var switchesIn: UInt64?
    public var maxHoldMs: Double?
    public var maxWaitMs: Double?
    public var holdMs: GILPercentiles?
    public var waitMs: GILPercentiles?
    public var cpuS: Double?
    /// Seconds from its first GIL event to its exit (or the end of the trace).
    public var lifetimeS: Double

    enum CodingKeys: String, CodingKey {
        case name, nativeId = "native_id", heldFraction = "held_fraction", waitFraction = "wait_fraction"
        case heldS = "held_s", waitedS = "waited_s", acquisitions, switchesIn = "switches_in"
        case maxHoldMs = "max_hold_ms", maxWaitMs = "max_wait_ms", holdMs = "hold_ms", waitMs = "wait_ms"
        case cpuS = "cpu_s", lifetimeS = "lifetime_s"
    }
}

/// One of the longest holds, with what the holder was doing.
public struct GILHold: Codable, Sendable, Equatable {
    public var thread: String
    public var nativeId: Int64
    public var startS: Double
    public var durationMs: Double
    /// "python" (bytecode kept advancing), "c_call" (one call that never let go), "no_python_frame", "unknown".
    public var activity: String
    /// Holder's CPU time over wall time while it held (low: blocked while holding the GIL).
    public var onCpuFraction: Double?
    /// Share of that wall time the holder was runnable but waiting for a core (high: a loaded machine).
    public var runnableFraction: Double?
    public var description: String
    /// The holder's Python stack during the hold, innermost first.
    public var stack: [StackFrame]

    enum CodingKeys: String, CodingKey {
        case thread, nativeId = "native_id", startS = "start_s", durationMs = "duration_ms", activity
        case onCpuFraction = "on_cpu_fraction", runnableFraction = "runnable_fraction", description, stack
    }
}

/// A thread that mostly waits for the GIL behind others.
public struct GILConvoy: Codable, Sendable, Equatable {
    public var thread: String
    public var nativeId: Int64
    public var waitFraction: Double
    public var heldFraction: Double
    /// The threads holding the GIL most while it waited.
    public var behind: [String]
    public var message: String

    enum CodingKeys: String, CodingKey {
        case thread, nativeId = "native_id", waitFraction = "wait_fraction", heldFraction = "held_fraction"
        case behind, message
    }
}

public struct GILVerdict: Codable, Sendable, Equatable {
    /// "gil_bound", "long_c_call", "contended", "convoy" or "not_gil_bound".
    public var kind: String
    public var gilBound: Bool
    /// The thread the verdict is about.
    public var thread: String?
    public var text: String
    public var advice: [String]
    public var figures: [String]

    enum CodingKeys: String, CodingKey { case kind, gilBound = "gil_bound", thread, text, advice, figures }
}

public struct GILTimelineInfo: Codable, Sendable, Equatable {
    public var events: UInt64
    public var eventsDropped: UInt64
    enum CodingKeys: String, CodingKey { case events, eventsDropped = "events_dropped" }
}
