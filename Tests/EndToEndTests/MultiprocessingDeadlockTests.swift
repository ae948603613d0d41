import Foundation
import Testing

/// Issue 14: a child blocked flushing a large item onto a multiprocessing Queue while the parent joins it is
/// named as the multiprocessing deadlock it is (both lines), stopped with 123 well before any --timeout; a child
/// that is merely slow, sleeping or writing to a queue someone reads is not. A child whose own threads or loop
/// deadlock while the parent waits for it (join, waitpid, subprocess.run) ends the run the same way, without
/// --timeout; a child at work is never given a watcher.
@Suite struct MultiprocessingDeadlockTests {
    func fixture(_ name: String) -> String { BinaryHarness.fixture("processes/\(name)") }

    func findings(_ report: [String: Any], kind: String) -> [[String: Any]] {
        (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == kind }
    }

    /// A run stopped as a deadlock with one `multiprocessing_deadlock`: the report and that finding's message.
    func stoppedByOneProcessDeadlock(_ arguments: [String]) throws -> (report: [String: Any], finding: [String: Any]?, message: String) {
        let result = try BinaryHarness.run(arguments, json: true)
        #expect(result.status == 123, "\(result.stderr)")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "deadlock")
        let found = findings(report, kind: "multiprocessing_deadlock")
        #expect(found.count == 1, "\(report["findings"] ?? [])")
        return (report, found.first, found.first?["message"] as? String ?? "")
    }

    @Test(arguments: ["fork", "spawn"])
    func queuePutWhileTheParentJoinsIsADeadlock(method: String) throws {
        let (report, finding, message) = try stoppedByOneProcessDeadlock(
            ["run", "--timeout", "120", fixture("queue_join_deadlock.py"), method])
        #expect(message.contains("queue_join_deadlock.py:20"), "\(message)")  // the parent's join
        #expect((finding?["site"] as? [String: Any])?["line"] as? Int == 20)
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

    // Without --timeout a child does not watch itself from its start: the parent's monitor asks it to once it
    // has joined it for a second. The fixture's watchdog ends it with status 3 after 90 s if that fails.
    @Test(arguments: ["fork", "spawn", "forkserver"])
    func aJoinedChildWhoseThreadsDeadlockEndsTheRunWithoutATimeout(method: String) throws {
        let (report, finding, message) = try stoppedByOneProcessDeadlock(
            ["run", fixture("joined_child_deadlocks.py"), method, "locks"])
        #expect((finding?["site"] as? [String: Any])?["line"] as? Int == 69, "\(message)")  // the join
        #expect(message.contains("'forward'") && message.contains("'backward'"), "\(message)")
        #expect(message.contains("joined_child_deadlocks.py:23") && message.contains("joined_child_deadlocks.py:29"))
        #expect(findings(report, kind: "child_deadlock").count == 1, "\(report["findings"] ?? [])")
        // The child's stacks at the stop carry its threads' names (from its snapshot), not thread-<ident>.
        let children = report["child_stacks"] as? [[String: Any]] ?? []
        let names = Set(children.flatMap { ($0["threads"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } })
        #expect(names.isSuperset(of: ["forward", "backward"]), "\(names)")
    }

    @Test func aJoinedChildWhoseLoopWaitsForeverEndsTheRun() throws {
        let result = try BinaryHarness.run(["run", fixture("joined_child_deadlocks.py"), "spawn", "loop"], json: true)
        #expect(result.status == 123, "\(result.stderr)")
        let report = try #require(result.report)
        let message = findings(report, kind: "multiprocessing_deadlock").first?["message"] as? String ?? ""
        #expect(message.contains("asyncio loop has tasks pending that nothing can wake"), "\(result.stderr)")
        let child = findings(report, kind: "child_deadlock").first
        #expect((child?["site"] as? [String: Any])?["line"] as? Int == 37, "\(String(describing: child))")
    }

    @Test func aJoinedChildWaitingForALockHeldForAWhileIsNoDeadlock() throws {
        let result = try BinaryHarness.run(["run", fixture("joined_child_deadlocks.py"), "fork", "held"], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "joined 0\n")
        let report = try #require(result.report)
        #expect(report["verdict"] as? String == "clean", "\(report["findings"] ?? [])")
        // The monitor's looks at the joined child are not stacks at a stop: a clean run has none.
        #expect(report["child_stacks"] == nil, "\(report["child_stacks"] ?? [])")
    }

    @Test func withATimeoutTheJoinedChildsDeadlockEndsTheRunBeforeIt() throws {
        let result = try BinaryHarness.run(
            ["run", "--timeout", "80", fixture("joined_child_deadlocks.py"), "fork", "locks"], json: true)
        #expect(result.status == 123, "\(result.stderr)")  // not 124: the deadlock ended it, not the timeout
        #expect(findings(try #require(result.report), kind: "multiprocessing_deadlock").count == 1)
    }

    @Test func aChildAtWorkThatTheParentWaitsForIsLeftAlone() throws {
        let result = try BinaryHarness.run(["run", fixture("waited_busy_child.py")], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "threads 1 0\n", "\(result.stdout)")  // no watcher thread was started in it
        #expect(findings(try #require(result.report), kind: "multiprocessing_deadlock").isEmpty)
    }
}
