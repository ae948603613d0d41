import Foundation
import Testing

/// Issue 16, second part: `run --explain` (the plan of each slow statement, never run again), the `pools` array,
/// exact counts from eight threads at once, and database connections as a leak kind in `pyinspect leaks`.
@Suite struct QueryPlansAndPoolsTests {
    let queries = QueriesTests()
    var venv: [String: String] { ["VIRTUAL_ENV": QueriesTests.venv] }

    static func plan(_ finding: [String: Any]?) -> [String] { finding?["plan"] as? [String] ?? [] }

    static func slow(_ run: QueriesTests.Run, containing text: String) -> [String: Any]? {
        run.findings("slow_query").first { ($0["sql"] as? String)?.contains(text) == true }
    }

    // MARK: --explain

    @Test func explainPlansTheSlowJoinAndTheSlowWriteWithoutRunningThemAgain() throws {
        let fixture = "sqlite_slow_join.py"
        for variant in [[], ["open"]] {  // the connection closed at the end (read again from the file), or open
            let run = try queries.run(fixture, arguments: ["--explain"], targetArguments: variant)
            let join = try #require(Self.slow(run, containing: "JOIN customers"), "\(variant) \(run.findings)")
            let plan = Self.plan(join)
            #expect(plan.first == "SCAN o", "\(variant) \(plan)")
            #expect(plan.contains { $0.hasPrefix("SEARCH c") || $0.hasPrefix("SCAN c") }, "\(variant) \(plan)")
            #expect((join["fix"] as? String)?.contains("index") == true)
            #expect(run.stderr.contains("      plan:"), "\(run.stderr)")
            let write = try #require(Self.slow(run, containing: "INSERT INTO orders"), "\(variant) \(run.findings)")
            #expect(!Self.plan(write).isEmpty, "\(variant) \(write)")
            // EXPLAIN QUERY PLAN ran nothing: the file holds the rows the program counted, no more.
            let printed = run.stdout.split(separator: "\n")
            let orders = try #require(printed.first { $0.hasPrefix("orders ") }.flatMap { Int($0.split(separator: " ")[1]) })
            let database = try #require(printed.first { $0.hasPrefix("database ") }.map { String($0.dropFirst(9)) })
            #expect(try Self.sqliteCount(database, table: "orders") == orders)
            try? FileManager.default.removeItem(atPath: (database as NSString).deletingLastPathComponent)
        }
        // Without --explain: no plan.
        let plain = try queries.run(fixture)
        #expect(Self.slow(plain, containing: "JOIN customers") != nil, "\(plain.findings)")
        #expect(plain.findings.allSatisfy { $0["plan"] == nil })
        if let line = plain.stdout.split(separator: "\n").first(where: { $0.hasPrefix("database ") }) {
            try? FileManager.default.removeItem(atPath: (String(line.dropFirst(9)) as NSString).deletingLastPathComponent)
        }
    }

    @Test func explainSaysWhyAnInMemoryDatabaseClosedAtTheEndHasNoPlan() throws {
        let run = try queries.run("sqlite_slow_cte.py", arguments: ["--explain"])
        let slow = try #require(run.findings("slow_query").first, "\(run.findings)")
        #expect(slow["plan"] == nil)
        #expect((slow["message"] as? String)?.contains("no plan: not explained: its connection was closed and its database was in memory") == true,
                "\(slow)")
    }

    @Test func explainThroughSQLAlchemyOnSqlite() throws {
        let html = NSTemporaryDirectory() + "pyinspect-plan-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: html) }
        let run = try queries.run("sa_slow.py", arguments: ["--explain", "--html", html], environment: venv)
        let slow = try #require(run.findings("slow_query").first, "\(run.findings) \(run.stderr)")
        #expect(Self.plan(slow).contains { $0.contains("SCAN") }, "\(slow)")
        // The HTML page shows the plan under the finding.
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<p>plan:</p><pre>" + Self.plan(slow).joined(separator: "\n") + "</pre>"))
        if let line = run.stdout.split(separator: "\n").first(where: { $0.hasPrefix("directory ") }) {
            try? FileManager.default.removeItem(atPath: String(line.dropFirst(10)))
        }
    }

    @Test func explainOnPostgresPlansWithTheOriginalParametersAndRunsNothing() throws {
        try PostgresServer.withServer { server in
            let run = try queries.run("pg_slow.py", arguments: ["--explain"], environment: server.environment)
            let select = try #require(Self.slow(run, containing: "pg_sleep (?) FROM users"), "\(run.findings) \(run.stderr)")
            let plan = Self.plan(select)
            // The original parameter reached the plan: id = 3 is the index condition.
            #expect(plan.first?.contains("on users") == true, "\(plan)")
            #expect(plan.contains { $0.contains("Index Cond: (id = '3'") }, "\(plan)")
            let insert = try #require(Self.slow(run, containing: "INSERT INTO audit"), "\(run.findings)")
            #expect(Self.plan(insert).first?.hasPrefix("Insert on audit") == true, "\(insert)")
            let count = try queries.run("pg_count.py", environment: server.environment)
            #expect(count.stdout.contains("audit rows 1"), "\(count.stdout)")
        }
    }

    // MARK: pools and exact counts

    @Test func thePoolsArrayDescribesEachSQLAlchemyPool() throws {
        let run = try queries.run("sa_pool.py", environment: venv)
        let pools = try #require((run.report["queries"] as? [String: Any])?["pools"] as? [[String: Any]], "\(run.report)")
        #expect(pools.count == 1)
        let pool = pools.first
        #expect(pool?["size"] as? Int == 2)
        #expect(pool?["max_overflow"] as? Int == 0)
        #expect(pool?["checkouts"] as? Int == 8)
        #expect(pool?["peak_checked_out"] as? Int == 2)
        #expect((pool?["waits"] as? Int ?? 0) >= 1)
        #expect((pool?["wait_total_s"] as? Double ?? 0) > 0)
        #expect(pool?["timeouts"] as? Int == 0)
        #expect(QueriesTests.siteLine(pool) == (try QueriesTests.line(of: "with engine.connect()", in: "sa_pool.py")))
    }

    @Test func eightThreadsOnAPoolOfTwoLoseNoCount() throws {
        let run = try queries.run("sa_pool_counts.py", environment: venv)
        #expect(run.stdout.contains("fetched 2000"), "\(run.stdout)")
        let statement = try #require(run.statements.first { $0["sql"] as? String == "SELECT ? + ?" }, "\(run.statements)")
        #expect(statement["count"] as? Int == 2000)
        #expect(statement["rows"] as? Int == 2000)
        let pool = ((run.report["queries"] as? [String: Any])?["pools"] as? [[String: Any]])?.first
        #expect(pool?["checkouts"] as? Int == 2000)
        #expect(pool?["peak_checked_out"] as? Int == 2)
    }

    // MARK: leaks

    func leaks(_ fixture: String, environment: [String: String] = [:]) throws -> [String: Any] {
        let result = try BinaryHarness.run(
            ["leaks", "--quiet", BinaryHarness.fixture("leaks/\(fixture)") + ":run"], json: true, environment: environment)
        return try #require(result.report, "\(fixture): no report; stderr: \(result.stderr)")
    }

    func expectConnectionLeak(_ report: [String: Any], fixture: String, opening: String) throws {
        #expect(report["verdict"] as? String == "leak", "\(fixture): \(report["leaks"] ?? "")")
        let found = report["leaks"] as? [[String: Any]] ?? []
        let leak = try #require(found.first { $0["kind"] as? String == "connections" }, "\(fixture): \(found)")
        let source = try String(contentsOfFile: BinaryHarness.fixture("leaks/\(fixture)"), encoding: .utf8)
        let line = try #require(source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(opening) }) + 1
        #expect(QueriesTests.siteLine(leak) == line, "\(leak)")
        #expect((leak["objects_per_call"] as? Double ?? 0) >= 0.9, "\(leak)")
        #expect((leak["message"] as? String)?.contains("never closed") == true, "\(leak)")
        // The descriptors of those connections are the same leak, not a second one.
        #expect(!found.contains { $0["kind"] as? String == "fds" }, "\(found)")
    }

    func expectClean(_ report: [String: Any], fixture: String) {
        #expect(report["verdict"] as? String == "clean", "\(fixture): \(report["leaks"] ?? "")")
        let signals = (report["leak_hunt"] as? [String: Any])?["signals"] as? [[String: Any]] ?? []
        let connections = signals.first { $0["name"] as? String == "connections" }
        #expect(connections?["trend"] as? String == "flat", "\(signals)")
    }

    @Test func sqliteConnectionsKeptPerCallAreAConnectionLeak() throws {
        try expectConnectionLeak(leaks("sqlite_connections_kept.py"), fixture: "sqlite_connections_kept.py",
                                 opening: "sqlite3.connect(")
        expectClean(try leaks("sqlite_connections_closed.py"), fixture: "sqlite_connections_closed.py")
    }

    @Test func postgresConnectionsKeptPerCallAreAConnectionLeak() throws {
        try PostgresServer.withServer { server in
            try expectConnectionLeak(leaks("pg_connections_kept.py", environment: server.environment),
                                     fixture: "pg_connections_kept.py", opening: "psycopg.connect(")
            expectClean(try leaks("pg_connections_closed.py", environment: server.environment),
                        fixture: "pg_connections_closed.py")
        }
    }

    static func sqliteCount(_ database: String, table: String) throws -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM \(table)').fetchone()[0])", database]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
