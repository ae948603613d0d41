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

    enum CodingKeys: String, CodingKey { case count, totalS = "total_s", statements, connections }
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
