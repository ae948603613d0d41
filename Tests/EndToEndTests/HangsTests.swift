import Foundation
import Testing

/// Issue 6 end to end: deadlocks, blocked loops and asyncio misuse, read from the JSON report.
@Suite struct HangsTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("hangs").path

    func run(_ name: String, _ options: [String] = []) throws -> (BinaryHarness.Result, [String: Any]) {
        let result = try BinaryHarness.run(["run"] + options + ["\(fixtures)/\(name)"], json: true)
        return (result, try #require(result.report))
    }

    func findings(_ report: [String: Any], kind: String) -> [[String: Any]] {
        (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == kind }
    }

    func site(_ finding: [String: Any]) -> String? {
        guard let site = finding["site"] as? [String: Any], let file = site["file"] as? String,
            let line = site["line"] as? Int
        else { return nil }
        return "\((file as NSString).lastPathComponent):\(line)"
    }

    @Test func asyncioLocksInOppositeOrderAreADeadlock() throws {
        let (result, report) = try run("lock_order.py")
        #expect(result.status == 123)
        #expect(report["verdict"] as? String == "deadlock")
        let deadlocks = findings(report, kind: "deadlock")
        let byTask = Dictionary(deadlocks.compactMap { f in (f["task"] as? String).map { ($0, f) } }, uniquingKeysWith: { a, _ in a })
        let left = try #require(byTask["left"])
        let right = try #require(byTask["right"])
        #expect(site(left) == "lock_order.py:8")
        #expect(site(right) == "lock_order.py:8")
        #expect((left["message"] as? String)?.contains("held by task 'right'") == true)
        #expect((right["message"] as? String)?.contains("held by task 'left'") == true)
        #expect(left["cycle"] as? [String] == ["left", "right", "left"])
        #expect(result.stderr.contains("pyinspect: deadlock"))
    }

    /// asyncio.wait's waiter is a plain future: the report names the tasks whose completion would set it.
    @Test func aTaskInAsyncioWaitWaitsForTheTasksItNamed() throws {
        let (result, report) = try run("wait_lock_order.py")
        #expect(result.status == 123)
        let main = try #require(findings(report, kind: "deadlock").first { $0["task"] as? String == "Task-1" })
        #expect(site(main) == "wait_lock_order.py:17")
        let message = main["message"] as? String ?? ""
        #expect(message.contains("tasks 'payer', 'payee' to finish (asyncio.wait)") || message.contains("tasks 'payee', 'payer' to finish (asyncio.wait)"), "\(message)")
    }

    @Test func futureNobodySetsIsADeadlock() throws {
        let (result, report) = try run("future_never_set.py")
        #expect(result.status == 123)
        #expect(report["verdict"] as? String == "deadlock")
        let waiter = try #require(findings(report, kind: "deadlock").first { $0["task"] as? String == "waiter" })
        #expect(site(waiter) == "future_never_set.py:6")
        #expect((waiter["message"] as? String)?.contains("Future that nothing will set") == true)
        #expect(result.stdout == "waiting for the future\n")
    }

    @Test func threadsTakingLocksInOppositeOrderAreADeadlock() throws {
        let (result, report) = try run("thread_lock_order.py")
        #expect(result.status == 123)
        #expect(report["verdict"] as? String == "deadlock")
        let deadlocks = findings(report, kind: "deadlock")
        #expect(Set(deadlocks.compactMap { $0["thread"] as? String }) == ["one", "two"])
        for finding in deadlocks {
            #expect(site(finding) == "thread_lock_order.py:12")
            let other = finding["thread"] as? String == "one" ? "two" : "one"
            #expect((finding["message"] as? String)?.contains("held by thread '\(other)'") == true)
        }
    }

    @Test func sleepInsideACoroutineIsASlowCallbackAtItsLine() throws {
        let (result, report) = try run("sleep_in_coroutine.py")
        #expect(result.status == 0)
        #expect(report["verdict"] as? String == "finding")
        let slow = findings(report, kind: "slow_callback")
        #expect(slow.count == 1)
        let finding = try #require(slow.first)
        #expect(finding["task"] as? String == "blocker")
        #expect(site(finding) == "sleep_in_coroutine.py:8")
        let seconds = finding["seconds"] as? Double ?? 0
        #expect(seconds >= 0.5 && seconds < 1.5)
        #expect(finding["thread"] as? String == "MainThread")
    }

    @Test func coroutineCalledWithoutAwaitIsReportedWhereItWasCreated() throws {
        let (result, report) = try run("never_awaited.py")
        #expect(result.status == 0)
        #expect(report["verdict"] as? String == "finding")
        let finding = try #require(findings(report, kind: "never_awaited").first)
        #expect(site(finding) == "never_awaited.py:11")
        #expect((finding["message"] as? String)?.contains("'save'") == true)
        // The target's own warning reads as under python3, without pyinspect's frames.
        #expect(result.stderr.contains("never_awaited.py:11: RuntimeWarning: coroutine 'save' was never awaited"))
        #expect(!result.stderr.contains("hangs.py"))
    }

    @Test func taskExceptionNeverRetrievedNamesTaskAndException() throws {
        let (_, report) = try run("unretrieved_exception.py")
        #expect(report["verdict"] as? String == "finding")
        let finding = try #require(findings(report, kind: "unretrieved_exception").first)
        #expect(finding["task"] as? String == "background")
        #expect(site(finding) == "unretrieved_exception.py:7")
        let exception = finding["exception"] as? [String: Any]
        #expect(exception?["type"] as? String == "ValueError")
        #expect(exception?["message"] as? String == "boom from the background")
    }

    @Test func taskPendingWhenItsLoopClosesIsReportedWithItsCreationSite() throws {
        let (result, report) = try run("pending_at_close.py")
        #expect(result.status == 0)
        let pending = findings(report, kind: "pending_task")
        #expect(pending.count == 1)
        let finding = try #require(pending.first)
        #expect(finding["task"] as? String == "sleeper")
        #expect(site(finding) == "pending_at_close.py:10")
    }

    @Test func semaphoreAndGatherProgramIsClean() throws {
        let (result, report) = try run("clean_semaphore.py")
        #expect(result.status == 0)
        #expect(result.stdout == "285\n")
        #expect(report["verdict"] as? String == "clean")
        #expect((report["findings"] as? [Any])?.isEmpty == true)
    }

    @Test func loopThatRunsForeverIsATimeoutWithItsTasks() throws {
        let (result, report) = try run("runs_forever.py", ["--timeout", "2.5"])
        #expect(result.status == 124)
        #expect(report["verdict"] as? String == "timeout")
        #expect(findings(report, kind: "deadlock").isEmpty)
        let tasks = try #require(report["tasks"] as? [[String: Any]])
        let heartbeat = try #require(tasks.first { $0["name"] as? String == "heartbeat" })
        #expect(site(heartbeat) == "runs_forever.py:7")
        #expect(heartbeat["waits_for"] as? String == "asyncio.sleep")
    }

    @Test func noHangsTurnsTheMonitorOff() throws {
        let (result, report) = try run("never_awaited.py", ["--no-hangs"])
        #expect(result.status == 0)
        #expect(report["verdict"] as? String == "clean")
    }
}

extension HangsTests {
    @Test func timeoutExplainsAThreadWaitingForALockWithoutACycle() throws {
        let (result, report) = try run("thread_waits_on_sleeper.py", ["--timeout", "1.5"])
        #expect(result.status == 124)
        #expect(report["verdict"] as? String == "timeout")
        #expect(findings(report, kind: "deadlock").isEmpty)
        let wait = try #require(findings(report, kind: "lock_wait").first)
        #expect(wait["thread"] as? String == "worker")
        #expect(site(wait) == "thread_waits_on_sleeper.py:9")
        #expect((wait["message"] as? String)?.contains("held by thread 'MainThread'") == true)
    }
}

extension HangsTests {
    @Test func anIdleLoopAThreadWillWakeIsNotADeadlock() throws {
        let (result, report) = try run("future_set_by_thread.py")
        #expect(result.status == 0)
        #expect(result.stdout == "woken\n")
        #expect(report["verdict"] as? String == "clean")
        #expect((report["findings"] as? [Any])?.isEmpty == true)
    }
}

extension HangsTests {
    @Test func unretrievedExceptionOfATaskKeptAliveIsReportedOnce() throws {
        let (result, report) = try run("unretrieved_kept_alive.py")
        #expect(result.status == 0)
        let found = findings(report, kind: "unretrieved_exception")
        #expect(found.count == 1)
        #expect(found.first?["task"] as? String == "kept")
        #expect(found.first.flatMap(site) == "unretrieved_kept_alive.py:6")
        #expect((found.first?["exception"] as? [String: Any])?["type"] as? String == "KeyError")
    }
}

extension HangsTests {
    /// CLOCK_MONOTONIC in seconds: the clock Python's time.monotonic() reads, shared by every process.
    func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    @Test func aCallThatNeverReturnsIsASlowCallbackAtTheTimeout() throws {
        // The reported duration runs from the start of the callback that blocks to the timeout's snapshot. How
        // long start-up and `import asyncio` take before it varies with the machine's load, so the bounds come
        // from clocks, not constants. The fixture prints the time before that callback and in it, just before
        // the call; the timeout fires at least 1 s after `launched`. So the call had been blocking for at least
        // launched + 1 - (the second time) and at most finished - (the first time).
        let launched = monotonicSeconds()
        let (result, report) = try run("blocked_for_ever.py", ["--timeout", "1"])
        let finished = monotonicSeconds()
        #expect(result.status == 124)
        #expect(report["verdict"] as? String == "timeout")
        let times = result.stdout.split(separator: "\n").compactMap { Double($0) }
        // Fewer only if the timeout came before the call started (start-up took over a second): nothing to judge.
        guard times.count == 2 else { return }
        let atLeast = launched + 1 - times[1], atMost = finished - times[0]
        let slow = findings(report, kind: "slow_callback").first
        if atLeast >= 0.1 {  // hang_asyncio.SLOW_CALLBACK_S: from there on it must be reported
            let slow = try #require(slow)
            #expect(site(slow) == "blocked_for_ever.py:10")
            let seconds = try #require(slow["seconds"] as? Double)
            #expect(seconds >= atLeast - 1e-5, "blocked \(seconds) s, but at least \(atLeast) s passed")
            #expect(seconds <= atMost + 1e-5, "blocked \(seconds) s, but at most \(atMost) s passed")
            #expect((slow["message"] as? String)?.contains("has been blocking the event loop for") == true)
        } else if let slow {  // the start took nearly the whole timeout: a report is still bounded by the run
            #expect((slow["seconds"] as? Double ?? .infinity) <= atMost + 1e-5)
        }
        let task = (report["tasks"] as? [[String: Any]])?.first
        #expect((task?["waits_for"] as? String)?.hasPrefix("nothing: it was running") == true)
    }
}
