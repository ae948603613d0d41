/// What pyscripts/pyinspect/queries.py writes at the target's end (issue 16): one `query` record per statement
/// key (normalised SQL and the user's line that sent it) and one `db_connections` record per line that opened
/// connections.
public struct QueryRecord: Codable, Sendable, Equatable {
    /// Position in the capture; `parent` refers to it.
    public var index: Int
    public var driver: String
    /// Literals and placeholders as `?`, `IN (?)` for lists of any length, whitespace folded.
    public var sql: String
    /// SELECT, INSERT, UPDATE, DELETE, REPLACE, or the statement's first word (CREATE, BEGIN…).
    public var verb: String
    public var count: Int
    public var totalS: Double
    public var maxS: Double
    /// cursor.rowcount when the driver knew it, else rows fetched.
    public var rows: Int
    /// executemany / executescript (one call, many rows or statements).
    public var many: Bool
    /// The most executions in a row from one loop (one frame, or frames of one caller's frame).
    public var maxRun: Int
    /// The user's first frame (nil: sent from no user code, e.g. a driver's worker thread).
    public var site: StackFrame?
    public var stack: [StackFrame]
    public var connections: [Int]
    /// The statement key that ran just before this one first ran: the parent query of an N+1.
    public var parent: Int?
    /// SQLAlchemy: the relationship whose lazy load sent it (`User.posts`).
    public var relationship: String?
    /// The eager-loading option for it: `joinedload` (one object per parent) or `selectinload` (a collection).
    public var loader: String?
    /// `--explain`: the database's plan of its slowest execution (query_plans.py), or why there is none.
    public var plan: [String]?
    public var planError: String?

    public init(
        index: Int, driver: String, sql: String, verb: String, count: Int, totalS: Double, maxS: Double, rows: Int,
        many: Bool = false, maxRun: Int, site: StackFrame?, stack: [StackFrame] = [], connections: [Int] = [1],
        parent: Int? = nil
    ) {
        self.index = index
        self.driver = driver
        self.sql = sql
        self.verb = verb
        self.count = count
        self.totalS = totalS
        self.maxS = maxS
        self.rows = rows
        self.many = many
        self.maxRun = maxRun
        self.site = site
        self.stack = stack
        self.connections = connections
        self.parent = parent
    }

    enum CodingKeys: String, CodingKey {
        case index, driver, sql, verb, count, totalS = "total_s", maxS = "max_s", rows, many, maxRun = "max_run"
        case site, stack, connections, parent, relationship, loader, plan, planError = "plan_error"
    }
}

/// One SQLAlchemy QueuePool's checkouts (queries.py wraps `QueuePool._do_get`).
public struct PoolRecord: Codable, Sendable, Equatable {
    public var size: Int?
    public var maxOverflow: Int?
    public var timeoutS: Double?
    public var checkouts: Int
    /// Checkouts made while the pool was at its limit (size + overflow checked out): they waited for a checkin.
    public var waited: Int
    public var waitTotalS: Double
    public var waitMaxS: Double
    public var peakCheckedOut: Int
    /// Checkouts that gave up with TimeoutError.
    public var timeouts: Int
    /// The user's line at the first checkout (or at the first timeout).
    public var site: StackFrame?
    public var stack: [StackFrame]

    public init(
        size: Int?, maxOverflow: Int?, timeoutS: Double?, checkouts: Int, waited: Int, waitTotalS: Double,
        waitMaxS: Double, peakCheckedOut: Int, timeouts: Int, site: StackFrame?, stack: [StackFrame] = []
    ) {
        self.size = size
        self.maxOverflow = maxOverflow
        self.timeoutS = timeoutS
        self.checkouts = checkouts
        self.waited = waited
        self.waitTotalS = waitTotalS
        self.waitMaxS = waitMaxS
        self.peakCheckedOut = peakCheckedOut
        self.timeouts = timeouts
        self.site = site
        self.stack = stack
    }

    enum CodingKeys: String, CodingKey {
        case size, maxOverflow = "max_overflow", timeoutS = "timeout_s", checkouts, waited
        case waitTotalS = "wait_total_s", waitMaxS = "wait_max_s", peakCheckedOut = "peak_checked_out", timeouts
        case site, stack
    }
}

/// The connections one line opened, and how they ended.
public struct ConnectionGroupRecord: Codable, Sendable, Equatable {
    public var driver: String
    public var site: StackFrame?
    public var stack: [StackFrame]
    public var opened: Int
    public var closed: Int
    /// Garbage-collected without close(): the driver closed it then, whenever that was.
    public var collectedOpen: Int
    public var openAtExit: Int
    public var inTransactionAtExit: Int

    public init(
        driver: String, site: StackFrame?, stack: [StackFrame] = [], opened: Int, closed: Int, collectedOpen: Int = 0,
        openAtExit: Int = 0, inTransactionAtExit: Int = 0
    ) {
        self.driver = driver
        self.site = site
        self.stack = stack
        self.opened = opened
        self.closed = closed
        self.collectedOpen = collectedOpen
        self.openAtExit = openAtExit
        self.inTransactionAtExit = inTransactionAtExit
    }

    enum CodingKeys: String, CodingKey {
        case driver, site, stack, opened, closed, collectedOpen = "collected_open", openAtExit = "open_at_exit"
        case inTransactionAtExit = "in_transaction_at_exit"
    }
}

/// Everything queries.py recorded in one run.
public struct QueryCapture: Sendable, Equatable {
    public var statements: [QueryRecord] = []
    public var connections: [ConnectionGroupRecord] = []
    public var pools: [PoolRecord] = []
    /// queries.py failed to write its records (the message).
    public var error: String?
    public init(
        statements: [QueryRecord] = [], connections: [ConnectionGroupRecord] = [], pools: [PoolRecord] = [],
        error: String? = nil
    ) {
        self.statements = statements
        self.connections = connections
        self.pools = pools
        self.error = error
    }
}
