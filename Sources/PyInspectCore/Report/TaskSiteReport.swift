/// One row of the report's `task_sites` table (issue 18, docs/hangs.md): asyncio tasks created at one line.
public struct TaskSiteReport: Codable, Sendable, Equatable {
    public var site: SourceSite
    public var created: Int
    /// The most alive at once.
    public var peak: Int
    /// The most created by one step (a gather, a loop without an await).
    public var burst: Int
    /// The most started and not waiting their turn in a Semaphore/Lock/Queue/Event/Condition at once (sampled).
    public var peakActive: Int?
    /// The most waiting on a socket or stream at once (sampled).
    public var peakIO: Int?
    /// Tasks that answer incoming connections (a server's handlers and what they create).
    public var connections: Bool?
    /// Tasks that ended with EMFILE/ENFILE.
    public var fdErrors: Int?

    public init(site: SourceSite, created: Int, peak: Int, burst: Int, peakActive: Int? = nil, peakIO: Int? = nil,
                connections: Bool? = nil, fdErrors: Int? = nil) {
        self.site = site
        self.created = created
        self.peak = peak
        self.burst = burst
        self.peakActive = peakActive
        self.peakIO = peakIO
        self.connections = connections
        self.fdErrors = fdErrors
    }

    enum CodingKeys: String, CodingKey {
        case site, created, peak, burst, peakActive = "peak_active", peakIO = "peak_io", connections,
            fdErrors = "fd_errors"
    }
}
