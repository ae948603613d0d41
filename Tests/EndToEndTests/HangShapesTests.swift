import Foundation
import Testing

/// Issue 18: deadlocks that a busy loop or a plain thread wait used to hide until the timeout (threads joining
/// each other, a threading.Lock in a coroutine against a thread waiting for that loop, asyncio.Lock cycles while
/// a heartbeat runs), and the healthy look-alikes that must stay clean. `--timeout 20`: a miss is a timeout
/// (exit 124), not a hang of the test.
@Suite struct HangShapesTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("hangs").path

    func run(_ name: String) throws -> (BinaryHarness.Result, [String: Any]) {
        let result = try BinaryHarness.run(["run", "--timeout", "20", "\(fixtures)/\(name)"], json: true)
        return (result, try #require(result.report))
    }

    func deadlocks(_ report: [String: Any]) -> [[String: Any]] {
        (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "deadlock" }
    }

    func site(_ finding: [String: Any]) -> String? {
        guard let site = finding["site"] as? [String: Any], let file = site["file"] as? String,
            let line = site["line"] as? Int
        else { return nil }
        return "\((file as NSString).lastPathComponent):\(line)"
    }

    func byThread(_ findings: [[String: Any]]) -> [String: [String: Any]] {
        Dictionary(findings.compactMap { f in (f["thread"] as? String).map { ($0, f) } }, uniquingKeysWith: { a, _ in a })
    }

    @Test func threadsJoiningEachOtherAreADeadlockWithTheirCycle() throws {
        let (result, report) = try run("threads_join_each_other.py")
        #expect(result.status == 123)
        #expect(report["verdict"] as? String == "deadlock")
        let threads = byThread(deadlocks(report))
        let left = try #require(threads["left"])
        let right = try #require(threads["right"])
        #expect(site(left) == "threads_join_each_other.py:10")
        #expect((left["message"] as? String)?.contains("waits for thread 'right' to end (Thread.join)") == true)
        #expect(left["cycle"] as? [String] == ["left", "right", "left"])
        #expect(right["cycle"] as? [String] == ["right", "left", "right"])
    }

    @Test func threadingLockInACoroutineAgainstAThreadWaitingForTheLoopIsADeadlock() throws {
        let (result, report) = try run("thread_lock_in_coroutine.py")
        #expect(result.status == 123)
        let threads = byThread(deadlocks(report))
        let loop = try #require(threads["MainThread"])
        let holder = try #require(threads["holder"])
        #expect(site(loop) == "thread_lock_in_coroutine.py:24")
        #expect((loop["message"] as? String)?.contains("held by thread 'holder'") == true)
        #expect(site(holder) == "thread_lock_in_coroutine.py:17")
        #expect((holder["message"] as? String)?.contains("only thread 'MainThread' (its event loop) would complete") == true)
        #expect(holder["cycle"] as? [String] == ["holder", "MainThread", "holder"])
    }

    @Test func threadingLockInACoroutineAgainstAThreadWaitingForAnEventIsADeadlock() throws {
        let (result, report) = try run("thread_lock_in_coroutine_event.py")
        #expect(result.status == 123)
        let threads = byThread(deadlocks(report))
        #expect(site(try #require(threads["MainThread"])) == "thread_lock_in_coroutine_event.py:22")
        let holder = try #require(threads["holder"])
        #expect(site(holder) == "thread_lock_in_coroutine_event.py:15")
        #expect((holder["message"] as? String)?.contains("threading.Event no running thread would set") == true)
    }

    @Test func asyncioLockCycleIsADeadlockWhileAHeartbeatKeepsTheLoopBusy() throws {
        let (result, report) = try run("lock_order_heartbeat.py")
        #expect(result.status == 123)
        #expect(report["verdict"] as? String == "deadlock")
        let found = deadlocks(report)
        // The tasks in the cycle and the main task gathering them; not the heartbeat, which is healthy.
        #expect(Set(found.compactMap { $0["task"] as? String }) == ["left", "right", "Task-1"])
        let main = try #require(found.first { $0["task"] as? String == "Task-1" })
        #expect((main["message"] as? String)?.contains("gather of tasks") == true)
        for finding in found where finding["task"] as? String != "Task-1" {
            #expect(site(finding) == "lock_order_heartbeat.py:14")
            let other = finding["task"] as? String == "left" ? "right" : "left"
            #expect((finding["message"] as? String)?.contains("held by task '\(other)'") == true)
        }
    }

    @Test func aLockCycleUnderATimeoutEndsByItselfAndIsNoDeadlock() throws {
        let (result, report) = try run("lock_order_with_timeout.py")
        #expect(result.status == 0)
        #expect(deadlocks(report).isEmpty)
        #expect(result.stdout.contains("gave up"))
    }

    @Test func aThreadWaitingForAFreeLoopIsNoDeadlock() throws {
        let (result, report) = try run("loop_answers_thread.py")
        #expect(result.status == 0)
        #expect(deadlocks(report).isEmpty)
        #expect(result.stdout == "done\n")
    }
}

/// Issue 18: a cancel that had no effect.
@Suite struct CancellationSwallowedTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("hangs").path

    func findings(_ name: String) throws -> (BinaryHarness.Result, [[String: Any]]) {
        let result = try BinaryHarness.run(["run", "--timeout", "30", "\(fixtures)/\(name)"], json: true)
        let report = try #require(result.report)
        return (result, (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "cancellation_swallowed" })
    }

    @Test func aTaskThatCatchesCancelledErrorAndGoesOnIsReportedAtItsExcept() throws {
        let (result, found) = try findings("cancel_ignored.py")
        #expect(result.status == 0)
        #expect(found.count == 1)
        let finding = try #require(found.first)
        #expect(finding["task"] as? String == "stubborn")
        let site = finding["site"] as? [String: Any]
        #expect((site?["file"] as? String)?.hasSuffix("cancel_ignored.py") == true)
        #expect(site?["line"] as? Int == 10)
        // Seen while it still runs ("still running ... after it was cancelled") or, when the monitor's half-second
        // looks come late on a busy machine, once it returned ("was cancelled, caught CancelledError"): both right.
        let message = finding["message"] as? String ?? ""
        #expect(message.contains("after it was cancelled") || message.contains("was cancelled, caught CancelledError"), "\(message)")
    }

    @Test func aCancelReRaisedOrUndoneByATimeoutIsNoFinding() throws {
        let (result, found) = try findings("cancel_reraised.py")
        #expect(result.status == 0)
        #expect(found.isEmpty)
        #expect(result.stdout == "timed out\ncancelled\n")
    }
}
