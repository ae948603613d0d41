import Testing

@testable import PyInspectCore

/// QueryAnalysis on recorded figures (issue 16): each finding's rule, and the cases that must stay quiet.
@Suite struct QueryAnalysisTests {
    static let app = "/srv/app.py"
    static func frame(_ line: Int) -> StackFrame { StackFrame(file: app, line: line, function: "main") }

    static func select(
        _ sql: String = "SELECT title FROM posts WHERE user_id = ?", index: Int = 1, count: Int, maxRun: Int,
        line: Int = 13, parent: Int? = nil, connections: [Int] = [1], totalS: Double = 0.01, maxS: Double = 0.001
    ) -> QueryRecord {
        QueryRecord(
            index: index, driver: "sqlite3", sql: sql, verb: "SELECT", count: count, totalS: totalS, maxS: maxS,
            rows: count, maxRun: maxRun, site: frame(line), connections: connections, parent: parent)
    }

    static let parent = QueryRecord(
        index: 0, driver: "sqlite3", sql: "SELECT id FROM users", verb: "SELECT", count: 1, totalS: 0.001,
        maxS: 0.001, rows: 60, maxRun: 1, site: frame(11))

    @Test func aSelectRepeatedInOneLoopIsNPlusOneNamingItsParent() {
        // GIVEN 60 runs of one SELECT from line 13, all in one loop, first run right after line 11's query
        let capture = QueryCapture(statements: [Self.parent, Self.select(count: 60, maxRun: 60, parent: 0)])
        // WHEN
        let findings = QueryAnalysis.findings(capture, wallS: 1)
        // THEN
        #expect(findings.map(\.kind) == ["n_plus_one"])
        #expect(findings.first?.site == SourceSite(file: Self.app, line: 13))
        #expect(findings.first?.parent == SourceSite(file: Self.app, line: 11))
        #expect(findings.first?.count == 60)
        #expect(findings.first?.message.hasPrefix("60 queries `SELECT title FROM posts WHERE user_id = ?` from app.py:13") == true)
    }

    @Test func fewRunsOrRunsSpreadOverLoopsOrConnectionsAreNot() {
        let below = Self.select(count: QueryAnalysis.loopRunMinimum - 1, maxRun: QueryAnalysis.loopRunMinimum - 1)
        let spread = Self.select(count: 50, maxRun: 2)  // the same line, but never many times in one loop
        let perDatabase = Self.select(count: 12, maxRun: 12, connections: Array(1...12))
        for record in [below, spread, perDatabase] {
            #expect(QueryAnalysis.findings(QueryCapture(statements: [record]), wallS: 1).isEmpty, "\(record)")
        }
        var many = Self.select(count: 30, maxRun: 30)
        many.many = true
        #expect(QueryAnalysis.findings(QueryCapture(statements: [many]), wallS: 1).isEmpty)
    }

    @Test func singleRowWritesInALoopAreARepeatedWriteButExecutemanyIsNot() {
        let insert = QueryRecord(
            index: 0, driver: "psycopg", sql: "INSERT INTO events (name) VALUES (?)", verb: "INSERT", count: 300,
            totalS: 0.3, maxS: 0.002, rows: 300, maxRun: 300, site: Self.frame(8))
        let findings = QueryAnalysis.findings(QueryCapture(statements: [insert]), wallS: 2)
        #expect(findings.map(\.kind) == ["repeated_write"])
        #expect(findings.first?.fix?.contains("executemany") == true)
        var bulk = insert
        bulk.many = true
        bulk.count = 1
        bulk.maxRun = 1
        #expect(QueryAnalysis.findings(QueryCapture(statements: [bulk]), wallS: 2).isEmpty)
        // An UPDATE touching many rows each time is not a one-row-at-a-time write.
        var wide = insert
        wide.verb = "UPDATE"
        wide.rows = 3000
        #expect(QueryAnalysis.findings(QueryCapture(statements: [wide]), wallS: 2).isEmpty)
    }

    @Test func slowQueryByEitherRuleAndSaysWhich() {
        let long = Self.select("SELECT big", count: 1, maxRun: 1, totalS: 1.5, maxS: 1.5)
        let absolute = QueryAnalysis.findings(QueryCapture(statements: [long]), wallS: 100)
        #expect(absolute.map(\.kind) == ["slow_query"])
        #expect(absolute.first?.message.contains("any execution of 1.00 s or more") == true)

        let share = Self.select("SELECT medium", count: 3, maxRun: 3, totalS: 0.6, maxS: 0.2)
        let shared = QueryAnalysis.findings(QueryCapture(statements: [share]), wallS: 1.0)
        #expect(shared.map(\.kind) == ["slow_query"])
        #expect(shared.first?.message.contains("60% of the run") == true)

        // The same 0.6 s in a 10 s run, or a tiny share-heavy query in a tiny run: quiet.
        #expect(QueryAnalysis.findings(QueryCapture(statements: [share]), wallS: 10).isEmpty)
        let tiny = Self.select("SELECT tiny", count: 1, maxRun: 1, totalS: 0.05, maxS: 0.05)
        #expect(QueryAnalysis.findings(QueryCapture(statements: [tiny]), wallS: 0.1).isEmpty)
    }

    @Test func aSlowQueryCarriesItsPlanOrSaysWhyThereIsNone() {
        var planned = Self.select("SELECT big", count: 1, maxRun: 1, totalS: 1.5, maxS: 1.5)
        planned.plan = ["SCAN o", "  SEARCH c USING INDEX (code=?)"]
        let withPlan = QueryAnalysis.findings(QueryCapture(statements: [planned]), wallS: 100).first
        #expect(withPlan?.plan == planned.plan)
        #expect(withPlan?.fix?.contains("index") == true)
        #expect(QuerySummary.planLines(planned.plan ?? []) == ["      plan:", "        SCAN o", "          SEARCH c USING INDEX (code=?)"])

        var unplanned = planned
        unplanned.plan = nil
        unplanned.planError = "not explained: its connection was closed and its database was in memory"
        let without = QueryAnalysis.findings(QueryCapture(statements: [unplanned]), wallS: 100).first
        #expect(without?.plan == nil)
        #expect(without?.message.hasSuffix("(no plan: not explained: its connection was closed and its database was in memory)") == true)
    }

    @Test func aLazyLoadOfOneObjectPerParentSuggestsJoinedload() {
        var record = Self.select(count: 20, maxRun: 20)
        record.relationship = "Post.author"
        record.loader = "joinedload"
        let finding = QueryAnalysis.findings(QueryCapture(statements: [record]), wallS: 1).first
        #expect(finding?.message.hasSuffix("(`joinedload(Post.author)`)") == true)
        #expect(finding?.fix?.contains(".options(joinedload(Post.author))") == true)
        record.relationship = "User.posts"
        record.loader = "selectinload"
        #expect(QueryAnalysis.findings(QueryCapture(statements: [record]), wallS: 1).first?.message
            .hasSuffix("(`selectinload(User.posts)`)") == true)
    }

    @Test func theSectionListsEachPool() {
        let pool = PoolRecord(
            size: 2, maxOverflow: 0, timeoutS: 30, checkouts: 8, waited: 6, waitTotalS: 1.2085690431,
            waitMaxS: 0.3, peakCheckedOut: 2, timeouts: 0, site: Self.frame(22))
        let section = QueryAnalysis.section(QueryCapture(pools: [pool]))
        #expect(section.pools == [QueryPool(
            size: 2, maxOverflow: 0, timeoutS: 30, peakCheckedOut: 2, checkouts: 8, waits: 6,
            waitTotalS: 1.208569043, waitMaxS: 0.3, timeouts: 0, site: SourceSite(file: Self.app, line: 22))])
        #expect(QueryAnalysis.section(QueryCapture()).pools == nil)
    }

    @Test func connectionsNeverClosedAndTransactionsLeftOpen() {
        let kept = ConnectionGroupRecord(driver: "sqlite3", site: Self.frame(6), opened: 12, closed: 0, openAtExit: 12)
        let collected = ConnectionGroupRecord(driver: "psycopg", site: Self.frame(20), opened: 5, closed: 2, collectedOpen: 3)
        let pending = ConnectionGroupRecord(
            driver: "psycopg2", site: Self.frame(30), opened: 1, closed: 0, openAtExit: 1, inTransactionAtExit: 1)
        let closed = ConnectionGroupRecord(driver: "sqlite3", site: Self.frame(40), opened: 4, closed: 4)
        let findings = QueryAnalysis.findings(QueryCapture(connections: [kept, collected, pending, closed]), wallS: 1)
        #expect(findings.map(\.kind) == ["connection_not_closed", "connection_not_closed", "connection_not_closed", "transaction_left_open"])
        #expect(findings.map(\.count) == [12, 3, 1, 1])
        #expect(findings[1].message.contains("closed only by the garbage collector"))
        #expect(findings[3].site == SourceSite(file: Self.app, line: 30))
    }

    @Test func theSectionJoinsSitesOfOneStatementMostTimeFirst() {
        let a = Self.select(index: 0, count: 10, maxRun: 1, line: 5, totalS: 0.1, maxS: 0.05)
        let b = Self.select(index: 1, count: 30, maxRun: 1, line: 9, totalS: 0.3, maxS: 0.02)
        let other = Self.select("SELECT 1", index: 2, count: 1, maxRun: 1, totalS: 0.001, maxS: 0.001)
        let section = QueryAnalysis.section(QueryCapture(statements: [a, other, b]))
        #expect(section.count == 41)
        #expect(section.statements.map(\.sql) == ["SELECT title FROM posts WHERE user_id = ?", "SELECT 1"])
        #expect(section.statements.first?.count == 40)
        #expect(section.statements.first?.sites.map(\.line) == [9, 5])
        #expect(section.statements.first?.maxS == 0.05)
        #expect(section.statements.first?.meanS == 0.01)
        #expect(RunSummaryText.lines(section).first?.contains("41 database statements") == true)
    }
}

/// QuerySummary is internal: reached through @testable.
enum RunSummaryText {
    static func lines(_ section: QuerySection) -> [String] { QuerySummary.lines(section) }
}
