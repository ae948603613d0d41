import FoundationEssentials

/// Decides what is wrong with the statements a run sent (issue 16). Pure: recorded figures in, findings out.
public enum QueryAnalysis {
    /// The same SELECT (or one-row write) this many times in a row from one line in one loop. Fewer costs little
    /// even over a network (10 round trips of ~0.5 ms); flagging at 2, as nplusone does, buries the real ones.
    public static let loopRunMinimum = 10
    /// slow_query, absolute rule: one execution took at least this long.
    public static let slowExecutionS = 1.0
    /// slow_query, share rule: the statement's executions add up to this share of the run's wall time…
    public static let slowShare = 0.25
    /// …and to at least this long (a 20 ms script is not made faster by a 10 ms query).
    public static let slowShareMinimumS = 0.1
    static let writeVerbs: Set<String> = ["INSERT", "UPDATE", "DELETE", "REPLACE"]

    public static func section(_ capture: QueryCapture, statementLimit: Int = 200) -> QuerySection {
        var bySQL: [String: [QueryRecord]] = [:]
        var order: [String] = []
        for record in capture.statements {
            let key = record.driver + "\u{0}" + record.sql
            if bySQL[key] == nil { order.append(key) }
            bySQL[key, default: []].append(record)
        }
        var statements: [QueryStatement] = order.compactMap { key in
            guard let records = bySQL[key], let first = records.first else { return nil }
            let count = records.reduce(0) { $0 + $1.count }
            let total = records.reduce(0.0) { $0 + $1.totalS }
            let sites = records.sorted { $0.totalS > $1.totalS }.map { record in
                QuerySite(
                    file: record.site?.file ?? "?", line: record.site?.line ?? 0,
                    function: record.site?.function ?? "?", count: record.count, totalS: rounded(record.totalS),
                    stack: record.stack)
            }
            return QueryStatement(
                sql: first.sql, driver: first.driver, count: count, totalS: rounded(total),
                meanS: rounded(count > 0 ? total / Double(count) : 0), maxS: rounded(records.map(\.maxS).max() ?? 0),
                rows: records.reduce(0) { $0 + $1.rows }, sites: sites)
        }
        statements.sort { $0.totalS != $1.totalS ? $0.totalS > $1.totalS : $0.count > $1.count }
        let connections = capture.connections.map { group in
            QueryConnections(
                driver: group.driver, site: group.site.map { SourceSite(file: $0.file, line: $0.line) },
                opened: group.opened, closed: group.closed, collectedOpen: group.collectedOpen,
                openAtExit: group.openAtExit)
        }
        let pools = capture.pools.map { pool in
            QueryPool(
                size: pool.size, maxOverflow: pool.maxOverflow, timeoutS: pool.timeoutS,
                peakCheckedOut: pool.peakCheckedOut, checkouts: pool.checkouts, waits: pool.waited,
                waitTotalS: rounded(pool.waitTotalS), waitMaxS: rounded(pool.waitMaxS), timeouts: pool.timeouts,
                site: pool.site.map { SourceSite(file: $0.file, line: $0.line) })
        }
        return QuerySection(
            count: capture.statements.reduce(0) { $0 + $1.count },
            totalS: rounded(capture.statements.reduce(0.0) { $0 + $1.totalS }),
            statements: Array(statements.prefix(statementLimit)), connections: connections.isEmpty ? nil : connections,
            pools: pools.isEmpty ? nil : pools)
    }

    /// wallS: the run's wall time, for the share rule of slow_query (nil: the absolute rule alone).
    public static func findings(_ capture: QueryCapture, wallS: Double?) -> [Finding] {
        var found: [Finding] = []
        let byIndex = Dictionary(capture.statements.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        for record in capture.statements {
            if let finding = nPlusOne(record, parent: record.parent.flatMap { byIndex[$0] }) { found.append(finding) }
            if let finding = repeatedWrite(record) { found.append(finding) }
            if let finding = slowQuery(record, wallS: wallS) { found.append(finding) }
        }
        for group in capture.connections {
            if let finding = notClosed(group) { found.append(finding) }
            if let finding = transactionLeftOpen(group) { found.append(finding) }
        }
        for pool in capture.pools {
            if let finding = poolWait(pool) { found.append(finding) }
            if let finding = poolExhausted(pool) { found.append(finding) }
        }
        return found
    }

    static func nPlusOne(_ record: QueryRecord, parent: QueryRecord?) -> Finding? {
        guard record.verb == "SELECT", !record.many, record.maxRun >= loopRunMinimum, let site = record.site,
            !oneConnectionEach(record)
        else { return nil }
        // The parent: the query whose rows the loop walks, when it ran from another line fewer times.
        let parentText = parent.flatMap { parent -> String? in
            guard let parentSite = parent.site, parent.verb == "SELECT", parent.count < record.count,
                parentSite != site
            else { return nil }
            return " for the rows of `\(short(parent.sql))` (\(place(parentSite)))"
        }
        let lazy = record.relationship.map { " (lazy loads of \($0))" } ?? ""
        var finding = Finding(
            kind: "n_plus_one",
            message: "\(record.count) queries `\(short(record.sql))` from \(place(site)) inside one loop"
                + (record.maxRun < record.count ? " (\(record.maxRun) in a row)" : "") + lazy + (parentText ?? "")
                + ": load them in one query"
                + (record.relationship.map { " (`\(record.loader ?? "selectinload")(\($0))`)" } ?? ""))
        finding.site = SourceSite(file: site.file, line: site.line)
        finding.count = record.count
        finding.sql = record.sql
        finding.stack = record.stack
        if let parent, let parentSite = parent.site, parentText != nil {
            finding.parent = SourceSite(file: parentSite.file, line: parentSite.line)
        }
        finding.fix = "fetch the rows for every parent at once: a JOIN, or one `... WHERE key IN (...)` query grouped in Python"
        if let relationship = record.relationship {
            finding.relationship = relationship
            finding.fix = record.loader == "joinedload"
                ? "eager-load the relationship in the parent query: `.options(joinedload(\(relationship)))` "
                    + "(one object per row: a JOIN in the same query)"
                : "eager-load the relationship in the parent query: `.options(selectinload(\(relationship)))` "
                    + "(or `joinedload(\(relationship))` for many-to-one)"
        }
        return finding
    }

    static func repeatedWrite(_ record: QueryRecord) -> Finding? {
        guard writeVerbs.contains(record.verb), !record.many, record.maxRun >= loopRunMinimum,
            record.rows <= record.count, let site = record.site, !oneConnectionEach(record)
        else { return nil }
        var finding = Finding(
            kind: "repeated_write",
            message: "\(record.count) single-row `\(short(record.sql))` from \(place(site)) inside one loop: "
                + "send them together")
        finding.site = SourceSite(file: site.file, line: site.line)
        finding.count = record.count
        finding.sql = record.sql
        finding.stack = record.stack
        finding.fix = record.verb == "INSERT"
            ? "collect the rows and call `executemany(sql, rows)` once (or a multi-row INSERT / COPY), in one transaction"
            : "one set-based statement (`... WHERE key IN (...)`) or `executemany(sql, rows)` in one transaction"
        return finding
    }

    /// A loop over databases (one statement per connection) is no N+1: one query cannot replace them.
    static func oneConnectionEach(_ record: QueryRecord) -> Bool {
        record.count > 1 && record.connections.count >= record.count
    }

    static func slowQuery(_ record: QueryRecord, wallS: Double?) -> Finding? {
        let rule: String
        if record.maxS >= slowExecutionS {
            rule = "one execution took \(seconds(record.maxS)) (rule: any execution of \(seconds(slowExecutionS)) or more)"
        } else if let wallS, wallS > 0, record.totalS >= slowShareMinimumS, record.totalS >= slowShare * wallS {
            let share = Int((record.totalS / wallS * 100).rounded())
            rule = "\(record.count == 1 ? "it" : "its \(record.count) executions") took \(seconds(record.totalS)), "
                + "\(share)% of the run (rule: \(Int(slowShare * 100))% of the wall time and \(seconds(slowShareMinimumS)) or more)"
        } else {
            return nil
        }
        var finding = Finding(
            kind: "slow_query",
            message: "slow query `\(short(record.sql))`" + (record.site.map { " from \(place($0))" } ?? "") + ": \(rule)")
        finding.site = record.site.map { SourceSite(file: $0.file, line: $0.line) }
        finding.count = record.count
        finding.seconds = rounded(record.totalS)
        finding.sql = record.sql
        finding.stack = record.stack
        finding.fix = "look at its plan (`pyinspect run --explain`, or EXPLAIN in the database): an index on the "
            + "filtered or joined columns, fewer rows, or a bound on a recursive query"
        if let plan = record.plan, !plan.isEmpty {
            finding.plan = plan
            finding.fix = "read its plan (`plan`): a SCAN of a large table (sqlite) or a Seq Scan (PostgreSQL) under "
                + "a filter or join wants an index on those columns; else fewer rows, or a bound on a recursive query"
        } else if let reason = record.planError {
            finding.message += " (no plan: \(reason))"
        }
        return finding
    }

    static func notClosed(_ group: ConnectionGroupRecord) -> Finding? {
        let unclosed = group.openAtExit + group.collectedOpen
        guard unclosed > 0 else { return nil }
        var states: [String] = []
        if group.openAtExit > 0 { states.append("\(group.openAtExit) still open at exit") }
        if group.collectedOpen > 0 { states.append("\(group.collectedOpen) closed only by the garbage collector") }
        let subject = unclosed == 1 ? "a \(group.driver) connection" : "\(unclosed) \(group.driver) connections"
        var finding = Finding(
            kind: "connection_not_closed",
            message: "\(subject) opened" + (group.site.map { " at \(place($0))" } ?? "")
                + " never closed (\(states.joined(separator: ", ")))")
        finding.site = group.site.map { SourceSite(file: $0.file, line: $0.line) }
        finding.count = unclosed
        finding.stack = group.stack
        finding.fix = group.driver == "sqlite3"
            ? "call close() when done (`with contextlib.closing(sqlite3.connect(...)) as conn:`; `with conn:` alone only commits)"
            : "close it when done (`with \(group.driver).connect(...) as conn:`), or reuse one connection or a pool"
        return finding
    }

    static func transactionLeftOpen(_ group: ConnectionGroupRecord) -> Finding? {
        guard group.inTransactionAtExit > 0 else { return nil }
        let subject = group.inTransactionAtExit == 1 ? "a \(group.driver) connection" : "\(group.inTransactionAtExit) \(group.driver) connections"
        var finding = Finding(
            kind: "transaction_left_open",
            message: "\(subject) opened" + (group.site.map { " at \(place($0))" } ?? "")
                + " still inside a transaction at exit: its uncommitted changes are rolled back")
        finding.site = group.site.map { SourceSite(file: $0.file, line: $0.line) }
        finding.count = group.inTransactionAtExit
        finding.stack = group.stack
        finding.fix = "commit() (or rollback()) when the unit of work ends, e.g. `with conn:` around it"
        return finding
    }

    /// pool_wait: checkouts at the pool's limit that waited this long in all. Below it a busy pool costs little.
    public static let poolWaitMinimumS = 0.05

    static func poolWait(_ pool: PoolRecord) -> Finding? {
        guard pool.waited > 0, pool.waitTotalS >= poolWaitMinimumS else { return nil }
        var finding = Finding(
            kind: "pool_wait",
            message: "\(pool.waited) of \(pool.checkouts) connection checkouts waited for a free connection, "
                + "\(seconds(pool.waitTotalS)) in all (longest \(seconds(pool.waitMaxS))): the SQLAlchemy pool "
                + "(pool_size \(pool.size.map(String.init) ?? "?"), max_overflow \(pool.maxOverflow.map(String.init) ?? "?")) "
                + "had \(pool.peakCheckedOut) checked out at most" + (pool.site.map { "; first checkout at \(place($0))" } ?? ""))
        finding.site = pool.site.map { SourceSite(file: $0.file, line: $0.line) }
        finding.count = pool.waited
        finding.seconds = rounded(pool.waitTotalS)
        finding.stack = pool.stack
        finding.fix = "hold a connection only while talking to the database (no slow work inside `with engine.connect()`), "
            + "or raise pool_size/max_overflow to the number of threads that need one at once"
        return finding
    }

    static func poolExhausted(_ pool: PoolRecord) -> Finding? {
        guard pool.timeouts > 0 else { return nil }
        var finding = Finding(
            kind: "pool_exhausted",
            message: "\(pool.timeouts) connection checkout\(pool.timeouts == 1 ? "" : "s") gave up with TimeoutError"
                + (pool.timeoutS.map { " after pool_timeout \(seconds($0))" } ?? "")
                + ": all \(pool.peakCheckedOut) connections of the SQLAlchemy pool (pool_size \(pool.size.map(String.init) ?? "?"), "
                + "max_overflow \(pool.maxOverflow.map(String.init) ?? "?")) stayed checked out"
                + (pool.site.map { "; at \(place($0))" } ?? ""))
        finding.site = pool.site.map { SourceSite(file: $0.file, line: $0.line) }
        finding.count = pool.timeouts
        finding.stack = pool.stack
        finding.fix = "return connections sooner (close sessions and connections; no slow work while one is checked out), "
            + "or size the pool for the concurrency (pool_size + max_overflow >= threads that query at once)"
        return finding
    }

    static func place(_ frame: StackFrame) -> String { "\(PathText.lastComponent(frame.file)):\(frame.line)" }

    static func short(_ sql: String, limit: Int = 120) -> String {
        sql.count <= limit ? sql : String(sql.prefix(limit - 1)) + "…"
    }

    static func seconds(_ value: Double) -> String {
        value >= 1 ? String(format: "%.2f s", value) : String(format: "%.1f ms", value * 1000)
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000_000_000).rounded() / 1_000_000_000 }
}
