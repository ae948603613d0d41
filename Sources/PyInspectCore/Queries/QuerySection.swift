/// The report's `queries` section (docs/schema/queries.schema.json): every statement the target sent,
/// normalised, with where it came from.
public struct QuerySection: Codable, Sendable, Equatable {
    /// Statements executed (an executemany counts once).
    public var count: Int
    public var totalS: Double
    /// Most time first.
    public var statements: [QueryStatement]
    /// Connections opened, per line that opened them.
    public var connections: [QueryConnections]?
    /// SQLAlchemy QueuePools the target checked connections out of.
    public var pools: [QueryPool]?

    enum CodingKeys: String, CodingKey { case count, totalS = "total_s", statements, connections, pools }
}

/// One SQLAlchemy QueuePool: its limits and how hard the target pressed on them.
public struct QueryPool: Codable, Sendable, Equatable {
    /// pool_size and max_overflow as configured (nil: the pool did not say).
    public var size: Int?
    public var maxOverflow: Int?
    /// pool_timeout, seconds.
    public var timeoutS: Double?
    /// The most connections checked out at once.
    public var peakCheckedOut: Int
    public var checkouts: Int
    /// Checkouts made with the pool at its limit: they waited for a checkin (or gave up).
    public var waits: Int
    public var waitTotalS: Double
    public var waitMaxS: Double
    /// Checkouts that gave up with TimeoutError.
    public var timeouts: Int
    /// The user's line of the first checkout (or of the first timeout).
    public var site: SourceSite?

    enum CodingKeys: String, CodingKey {
        case size, maxOverflow = "max_overflow", timeoutS = "timeout_s", peakCheckedOut = "peak_checked_out"
        case checkouts, waits, waitTotalS = "wait_total_s", waitMaxS = "wait_max_s", timeouts, site
    }
}

public struct QueryStatement: Codable, Sendable, Equatable {
    public var sql: String
    public var driver: String
    public var count: Int
    public var totalS: Double
    public var meanS: Double
    public var maxS: Double
    public var rows: Int
    /// The lines that sent it, most time first.
    public var sites: [QuerySite]

    enum CodingKeys: String, CodingKey {
        case sql, driver, count, totalS = "total_s", meanS = "mean_s", maxS = "max_s", rows, sites
    }
}

public struct QuerySite: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    public var count: Int
    public var totalS: Double
    /// The user's frame first, then its callers.
    public var stack: [StackFrame]

    enum CodingKeys: String, CodingKey { case file, line, function, count, totalS = "total_s", stack }
}

public struct QueryConnections: Codable, Sendable, Equatable {
    public var driver: String
    public var site: SourceSite?
    public var opened: Int
    public var closed: Int
    public var collectedOpen: Int
    public var openAtExit: Int

    enum CodingKeys: String, CodingKey {
        case driver, site, opened, closed, collectedOpen = "collected_open", openAtExit = "open_at_exit"
    }
}
