/// What `pyinspect gil` (or `run --gil`) asked of the GIL tracer.
public struct GILOptions: Sendable, Equatable {
    /// Holds at least this long are listed with the holder's Python stack.
    public var longHoldMs: Double
    /// Sample the GIL's state every millisecond instead of tracing every acquire and release.
    public var sampling: Bool
    /// Write the HTML report (timeline, a lane per thread) here.
    public var htmlPath: String?
    /// Timeline events kept; figures stay exact beyond it, the timeline stops.
    public var eventsCapacity: Int

    public static let defaultLongHoldMs = 50.0

    public init(longHoldMs: Double = GILOptions.defaultLongHoldMs, sampling: Bool = false, htmlPath: String? = nil,
                eventsCapacity: Int = 1_000_000) {
        self.longHoldMs = longHoldMs
        self.sampling = sampling
        self.htmlPath = htmlPath
        self.eventsCapacity = eventsCapacity
    }
}
