import Foundation
import Testing

/// Issue 14 with issue 16: every Python process of the tree records the database statements it sends, and its
/// own N+1 is its finding (`processes[].findings`, `processes[].queries`), whichever way it was started.
@Suite struct ChildQueriesTests {
    func run(_ arguments: [String]) throws -> (report: [String: Any], stderr: String, processes: [[String: Any]]) {
        let result = try BinaryHarness.run(["run", BinaryHarness.fixture("queries/children_queries.py")] + arguments, json: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "180\n" || result.stdout == "90\n", "\(result.stdout)")
        let report = try #require(result.report, "\(result.stderr)")
        return (report, result.stderr, report["processes"] as? [[String: Any]] ?? [])
    }

    func nPlusOnes(_ processes: [[String: Any]]) -> [[String: Any]] {
        processes.flatMap { ($0["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "n_plus_one" } }
    }

    @Test(arguments: ["fork", "spawn", "forkserver"])
    func poolWorkersQueriesAreTheirOwn(method: String) throws {
        let (report, stderr, processes) = try run([method])
        // Two tasks of 30 per-author queries: one worker may have run both (one finding of 60).
        let found = nPlusOnes(processes)
        #expect(found.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 60, "\(found)")
        for finding in found {
            #expect((finding["site"] as? [String: Any])?["line"] as? Int == 19, "\(finding)")
        }
        let withQueries = processes.filter { $0["queries"] != nil }
        #expect(withQueries.allSatisfy { $0["role"] as? String == "multiprocessing worker" }, "\(withQueries)")
        #expect(stderr.contains("n_plus_one: "), "\(stderr)")
        // The parent sent nothing: the run's own section and findings stay empty of the workers' statements.
        #expect(report["queries"] == nil)
        #expect(!((report["findings"] as? [[String: Any]]) ?? []).contains { $0["kind"] as? String == "n_plus_one" })
    }

    @Test func aSubprocessThroughSysExecutableRecordsItsOwn() throws {
        let (_, _, processes) = try run(["fork", "subprocess"])
        let child = try #require(processes.first { $0["role"] as? String == "subprocess" }, "\(processes)")
        let found = nPlusOnes([child])
        #expect(found.count == 1 && found.first?["count"] as? Int == 30, "\(child)")
        #expect((child["queries"] as? [String: Any]) != nil)
    }

    @Test func noQueriesLeavesTheChildrenAlone() throws {
        let off = try BinaryHarness.run(["run", "--no-queries", BinaryHarness.fixture("queries/children_queries.py"), "fork"], json: true)
        #expect(off.status == 0, "\(off.stderr)")
        let offProcesses = try #require(off.report?["processes"] as? [[String: Any]])
        #expect(nPlusOnes(offProcesses).isEmpty && offProcesses.allSatisfy { $0["queries"] == nil }, "\(offProcesses)")
    }
}
