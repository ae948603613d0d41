import Foundation
import Testing

/// Issue 14: a child blocked flushing a large item onto a multiprocessing Queue while the parent joins it is
/// named as the multiprocessing deadlock it is (both lines), stopped with 123 well before any --timeout; a child
/// that is merely slow, sleeping or writing to a queue someone reads is not.
@Suite struct MultiprocessingDeadlockTests {
    func fixture(_ name: String) -> String { BinaryHarness.fixture("processes/\(name)") }

    func findings(_ report: [String: Any], kind: String) -> [[String: Any]] {
        (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == kind }
    }

    @Test(arguments: ["fork", "spawn"])
    func queuePutWhileTheParentJoinsIsADeadlock(method: String) throws {
        let result = try BinaryHarness.run(
            ["run", "--timeout", "120", fixture("queue_join_deadlock.py"), method], json: true)
        #expect(result.status == 123, "\(result.stderr)")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "deadlock")
        let found = findings(report, kind: "multiprocessing_deadlock")
        #expect(found.count == 1, "\(report["findings"] ?? [])")
        let message = found.first?["message"] as? String ?? ""
        #expect(message.contains("queue_join_deadlock.py:20"), "\(message)")  // the parent's join
        #expect((found.first?["site"] as? [String: Any])?["line"] as? Int == 20)
        if method == "fork" {
            #expect(message.contains("queue_join_deadlock.py:9"), "\(message)")  // the child's put
        }
        // The child's own stacks: its feeder thread blocked writing, its exit joining it.
        let children = report["child_stacks"] as? [[String: Any]] ?? []
        let functions = children.flatMap { ($0["threads"] as? [[String: Any]] ?? []) }
            .flatMap { ($0["frames"] as? [[String: Any]] ?? []).compactMap { $0["function"] as? String } }
        #expect(functions.contains("_feed") && functions.contains("_finalize_join"), "\(children)")
    }

    @Test func readingTheQueueBeforeJoiningIsNoDeadlock() throws {
        let result = try BinaryHarness.run(["run", fixture("queue_join_deadlock.py"), "--read"], json: true)
        #expect(result.status == 0)
        #expect(result.stdout == "1000000\njoined\n")
        #expect(findings(try #require(result.report), kind: "multiprocessing_deadlock").isEmpty)
    }

    @Test func aSleepingChildAndAQueueSomeoneReadsAreNoDeadlock() throws {
        let result = try BinaryHarness.run(["run", fixture("join_slow_child.py")], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "done\n")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "clean", "\(report["findings"] ?? [])")
        #expect(findings(report, kind: "multiprocessing_deadlock").isEmpty)
    }
}
