import Foundation
import Testing

/// Database statements (issue 16) on fixture programs under Tests/Fixtures/queries/: sqlite3 in-process, and a
/// real PostgreSQL server (PostgresServer) reached through psycopg and psycopg2 from .venv-test.
@Suite struct QueriesTests {
    static let venv = BinaryHarness.packageRoot.appendingPathComponent(".venv-test").path

    struct Run {
        var report: [String: Any]
        var stdout: String
        var stderr: String
        var findings: [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }
        func findings(_ kind: String) -> [[String: Any]] { findings.filter { $0["kind"] as? String == kind } }
        var statements: [[String: Any]] { (report["queries"] as? [String: Any])?["statements"] as? [[String: Any]] ?? [] }
    }

    func run(
        _ fixture: String, arguments: [String] = [], environment: [String: String] = [:], targetArguments: [String] = []
    ) throws -> Run {
        let result = try BinaryHarness.run(
            ["run"] + arguments + [BinaryHarness.fixture("queries/\(fixture)")] + targetArguments, json: true,
            environment: environment,
            directory: BinaryHarness.fixture("queries"))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try #require(result.report, "no report: \(result.stderr)")
        return Run(report: report, stdout: result.stdout, stderr: result.stderr)
    }

    static func line(of text: String, in fixture: String) throws -> Int {
        let source = try String(contentsOfFile: BinaryHarness.fixture("queries/\(fixture)"), encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(text) }, "\(text) not in \(fixture)") + 1
    }

    static func siteLine(_ finding: [String: Any]?) -> Int? { (finding?["site"] as? [String: Any])?["line"] as? Int }

    // MARK: sqlite3

    @Test func sqliteQueryPerParentIsNPlusOneWithItsParent() throws {
        let fixture = "sqlite_n_plus_one.py"
        let run = try run(fixture)
        #expect(run.report["verdict"] as? String == "finding")
        let findings = run.findings("n_plus_one")
        #expect(findings.count == 1, "\(run.findings)")
        let finding = findings.first
        #expect(Self.siteLine(finding) == (try Self.line(of: "WHERE user_id = ?", in: fixture)))
        #expect(finding?["count"] as? Int == 40)
        #expect(finding?["sql"] as? String == "SELECT title FROM posts WHERE user_id = ?")
        #expect((finding?["parent"] as? [String: Any])?["line"] as? Int == (try Self.line(of: "FROM users", in: fixture)))
        #expect((finding?["fix"] as? String)?.contains("JOIN") == true)
        // The program still sees a real sqlite3.Connection.
        #expect(run.stdout.contains("titles 200 True"), "\(run.stdout)")
        let statement = run.statements.first { $0["sql"] as? String == "SELECT title FROM posts WHERE user_id = ?" }
        #expect(statement?["count"] as? Int == 40)
        #expect(statement?["rows"] as? Int == 200)
        #expect(run.stderr.contains("n_plus_one: 40 queries"), "\(run.stderr)")
    }

    @Test func theSameDataInOneJoinIsClean() throws {
        let run = try run("sqlite_join.py")
        #expect(run.findings.isEmpty, "\(run.findings)")
        #expect(run.report["verdict"] as? String == "clean")
        let join = run.statements.first { ($0["sql"] as? String)?.contains("JOIN posts") == true }
        #expect(join?["rows"] as? Int == 200)
        let connections = (run.report["queries"] as? [String: Any])?["connections"] as? [[String: Any]]
        #expect(connections?.first?["closed"] as? Int == 1)
    }

    @Test func singleRowInsertsInALoopAreARepeatedWrite() throws {
        let fixture = "sqlite_inserts.py"
        let run = try run(fixture)
        let findings = run.findings("repeated_write")
        #expect(findings.count == 1, "\(run.findings)")
        #expect(Self.siteLine(findings.first) == (try Self.line(of: "INSERT INTO events", in: fixture)))
        #expect(findings.first?["count"] as? Int == 300)
        #expect((findings.first?["fix"] as? String)?.contains("executemany") == true)
        #expect(run.findings("n_plus_one").isEmpty)
    }

    @Test func theSlowRecursiveQueryIsTheOnlySlowOne() throws {
        let fixture = "sqlite_slow_cte.py"
        let run = try run(fixture)
        let slow = run.findings("slow_query")
        #expect(slow.count == 1, "\(run.findings)")
        #expect(Self.siteLine(slow.first) == (try Self.line(of: "connection.execute(", in: fixture) + 5))
        #expect((slow.first?["sql"] as? String)?.hasPrefix("WITH RECURSIVE counter") == true)
        #expect((slow.first?["message"] as? String)?.contains("rule:") == true)
        #expect(run.findings.count == 1, "\(run.findings)")
    }

    @Test func connectionsKeptOpenAndATransactionLeftOpen() throws {
        let fixture = "sqlite_connections_kept.py"
        let run = try run(fixture)
        let notClosed = run.findings("connection_not_closed")
        let loopLine = try Self.line(of: "connection = sqlite3.connect", in: fixture)
        let kept = notClosed.first { Self.siteLine($0) == loopLine }
        #expect(kept?["count"] as? Int == 12, "\(notClosed)")
        let forgotten = notClosed.first { Self.siteLine($0) == (try? Self.line(of: "sqlite3.connect(\":memory:\").execute", in: fixture)) }
        #expect(forgotten?["count"] as? Int == 3, "\(notClosed)")
        let open = run.findings("transaction_left_open")
        #expect(open.count == 1, "\(run.findings)")
        #expect(Self.siteLine(open.first) == (try Self.line(of: "ledger = sqlite3.connect", in: fixture)))
        // One statement on each of 12 connections is no N+1.
        #expect(run.findings("n_plus_one").isEmpty, "\(run.findings)")
    }

    @Test func noQueriesTurnsTheRecordingOff() throws {
        let run = try run("sqlite_n_plus_one.py", arguments: ["--no-queries"])
        #expect(run.report["queries"] == nil)
        #expect(run.findings.isEmpty, "\(run.findings)")
    }

    @Test func theNormalisedFormFoldsLiteralsListsAndComments() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.currentDirectoryURL = BinaryHarness.packageRoot.appendingPathComponent("pyscripts")
        process.arguments = ["-c", """
            from pyinspect.sql_text import normalize
            for sql in ["select * from t where id in (1, 2,3) and name = 'it''s -- ?' -- note",
                        "SELECT *\\n  FROM t WHERE id IN (%s, %s) AND name = %(name)s",
                        "insert into t (a, b) values (1, 'x'), (2, 'y')", "SELECT $1::text, $$a ? b$$"]:
                print(normalize(sql))
            """]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.split(separator: "\n") == [
            "('select * from t where id in (?) and name = ?', 'SELECT')",
            "('SELECT * FROM t WHERE id IN (?) AND name = ?', 'SELECT')",
            "('insert into t (a, b) values (?, ?)', 'INSERT')",
            "('SELECT ?::text, ?', 'SELECT')",
        ])
    }

    // MARK: SQLAlchemy (sqlite; PostgreSQL below)

    var venvEnvironment: [String: String] { ["VIRTUAL_ENV": Self.venv] }

    @Test func sqlalchemyLazyLoadingInALoopNamesTheRelationshipAndSelectinloadIsClean() throws {
        #expect(FileManager.default.fileExists(atPath: Self.venv + "/bin/python"), "run `make test-venv` (make test does)")
        let fixture = "sa_lazy_load.py"
        let lazy = try run(fixture, environment: venvEnvironment)
        let findings = lazy.findings("n_plus_one")
        #expect(findings.count == 1, "\(lazy.findings) \(lazy.stderr)")
        #expect(Self.siteLine(findings.first) == (try Self.line(of: "len(user.posts)", in: fixture)))
        #expect(findings.first?["relationship"] as? String == "User.posts")
        #expect((findings.first?["fix"] as? String)?.contains("selectinload(User.posts)") == true)
        #expect(findings.first?["count"] as? Int == 30)
        // Recorded once, by SQLAlchemy's events: the sqlite3 layer underneath stays quiet.
        let drivers = Set(lazy.statements.compactMap { $0["driver"] as? String })
        #expect(drivers == ["sqlalchemy"], "\(drivers)")
        #expect(lazy.findings("connection_not_closed").isEmpty, "\(lazy.findings)")

        let eager = try run(fixture, arguments: [], environment: venvEnvironment, targetArguments: ["selectin"])
        #expect(eager.findings.isEmpty, "\(eager.findings)")
        #expect(eager.stdout.contains("titles 90"))
    }

    @Test func aPoolOfTwoSharedByEightThreadsWaitsAndTimesOut() throws {
        let fixture = "sa_pool.py"
        let waits = try run(fixture, environment: venvEnvironment)
        let wait = waits.findings("pool_wait")
        #expect(wait.count == 1, "\(waits.findings) \(waits.stderr)")
        #expect((wait.first?["count"] as? Int ?? 0) >= 1)
        #expect((wait.first?["message"] as? String)?.contains("pool_size 2, max_overflow 0") == true)
        #expect(Self.siteLine(wait.first) == (try Self.line(of: "with engine.connect()", in: fixture)))
        #expect(waits.findings("pool_exhausted").isEmpty)

        let timeouts = try run(fixture, environment: venvEnvironment, targetArguments: ["timeout"])
        let exhausted = timeouts.findings("pool_exhausted")
        let printed = timeouts.stdout.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(exhausted.count == 1, "\(timeouts.findings)")
        #expect(exhausted.first?["count"] as? Int == printed, "\(timeouts.stdout)")
    }

    @Test func sqlalchemyAsyncioQueriesCarryTheCoroutinesLine() throws {
        let fixture = "sa_async.py"
        let run = try run(fixture, environment: venvEnvironment)
        let findings = run.findings("n_plus_one")
        #expect(findings.count == 1, "\(run.findings) \(run.stderr)")
        #expect(Self.siteLine(findings.first) == (try Self.line(of: "select(Post.title)", in: fixture)))
        #expect(findings.first?["count"] as? Int == 20)
    }

    // MARK: PostgreSQL

    @Test func postgresThroughPsycopgAndPsycopg2() throws {
        #expect(FileManager.default.fileExists(atPath: Self.venv + "/bin/python"), "run `make test-venv` (make test does)")
        try PostgresServer.withServer { server in
            let nPlusOne = try run("pg_n_plus_one.py", environment: server.environment)
            let finding = nPlusOne.findings("n_plus_one").first
            #expect(nPlusOne.findings("n_plus_one").count == 1, "\(nPlusOne.findings) \(nPlusOne.stderr)")
            #expect(Self.siteLine(finding) == (try Self.line(of: "WHERE user_id = %s", in: "pg_n_plus_one.py")))
            #expect(finding?["count"] as? Int == 40)
            #expect((finding?["parent"] as? [String: Any])?["line"] as? Int
                == (try Self.line(of: "FROM users ORDER BY id", in: "pg_n_plus_one.py")))
            #expect(nPlusOne.findings("connection_not_closed").isEmpty, "\(nPlusOne.findings)")
            let statement = nPlusOne.statements.first { $0["sql"] as? String == "SELECT title FROM posts WHERE user_id = ?" }
            #expect(statement?["driver"] as? String == "psycopg")
            #expect(statement?["rows"] as? Int == 200)

            let join = try run("pg_join.py", environment: server.environment)
            #expect(join.findings.isEmpty, "\(join.findings)")

            let fixture = "pg_psycopg2_n_plus_one.py"
            let old = try run(fixture, environment: server.environment)
            #expect(old.stdout.contains("found 100 connection True"), "\(old.stdout)")
            #expect(Self.siteLine(old.findings("n_plus_one").first) == (try Self.line(of: "WHERE box", in: fixture)))
            #expect(old.findings("n_plus_one").first?["count"] as? Int == 25)
            let connect = try Self.line(of: "psycopg2.connect(", in: fixture)
            #expect(Self.siteLine(old.findings("connection_not_closed").first) == connect, "\(old.findings)")
            #expect(Self.siteLine(old.findings("transaction_left_open").first) == connect, "\(old.findings)")

            var orm = server.environment
            orm["DATABASE_URL"] = "postgresql+psycopg:///postgres"
            let lazy = try run("sa_lazy_load.py", environment: orm)
            #expect(lazy.findings("n_plus_one").first?["relationship"] as? String == "User.posts", "\(lazy.findings) \(lazy.stderr)")
            #expect(lazy.findings.count == 1, "\(lazy.findings)")
            let eager = try run("sa_lazy_load.py", environment: orm, targetArguments: ["selectin"])
            #expect(eager.findings.isEmpty, "\(eager.findings)")
        }
    }
}
