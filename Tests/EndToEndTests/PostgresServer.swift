import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server (Tests/Fixtures/queries/postgres_server.sh: initdb + pg_ctl as the unprivileged
/// `postgres` user, on a Unix socket in a temporary directory, no TCP). `withServer` stops and removes it when the
/// body returns or throws, so a failing test leaves no server behind.
struct PostgresServer {
    let socketDirectory: String

    static let script = BinaryHarness.fixture("queries/postgres_server.sh")

    /// What a fixture needs to reach it: libpq's own variables (psycopg and psycopg2 read them) and the test
    /// virtualenv (`make test-venv`) with psycopg, psycopg2 and SQLAlchemy.
    var environment: [String: String] {
        ["PGHOST": socketDirectory, "PGUSER": "pyinspect", "PGDATABASE": "postgres",
         "VIRTUAL_ENV": BinaryHarness.packageRoot.appendingPathComponent(".venv-test").path]
    }

    static func withServer<T>(_ body: (PostgresServer) throws -> T) throws -> T {
        let started = try runScript(["start"])
        guard started.status == 0, let directory = started.output.split(separator: "\n").last.map(String.init) else {
            throw Failure(message: "postgres_server.sh start failed: \(started.output)")
        }
        defer { _ = try? runScript(["stop", directory]) }
        return try body(PostgresServer(socketDirectory: directory))
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private static func runScript(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        // Reaped here, not by waitUntilExit(): in the full parallel suite Foundation missed this child's end
        // (the script a zombie, the test waiting for ever).
        var status: Int32 = 0
        while waitpid(process.processIdentifier, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (code, code == 0 ? output : String(decoding: errors, as: UTF8.self))
    }
}
