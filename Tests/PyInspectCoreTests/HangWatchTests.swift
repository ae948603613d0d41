import PyInspectCore
import Testing

/// When the hang monitor calls a hang a deadlock, from hand-made ticks: no Python involved.
@Suite struct HangWatchTests {
    func loopTick(_ t: Double, progress: Int, quiescent: Bool, pending: Int = 2) -> HangTick {
        HangTick(t: t, progress: progress, loops: [.init(key: 7, quiescent: quiescent, pending: pending)])
    }

    @Test func quietLoopBecomesADeadlockAfterTheStableTime() {
        // GIVEN a loop that stays quiescent with pending tasks and no callback run
        var watch = HangWatch(loopStableSeconds: 1.0)
        // WHEN ticks arrive every 100 ms
        var decisions: [HangDecision?] = []
        for step in 0...12 { decisions.append(watch.observe(loopTick(10 + Double(step) * 0.1, progress: 50, quiescent: true))) }
        // THEN nothing before one second, a deadlock of that loop from then on
        #expect(decisions.prefix(10).allSatisfy { $0 == nil })
        #expect(decisions[10]?.loops == [7])
        #expect(decisions[10]?.threads == [])
    }

    @Test func progressOrABusyTickRestartsTheClock() {
        var watch = HangWatch(loopStableSeconds: 1.0)
        #expect(watch.observe(loopTick(0.0, progress: 1, quiescent: true)) == nil)
        #expect(watch.observe(loopTick(0.9, progress: 2, quiescent: true)) == nil)  // a callback ran
        #expect(watch.observe(loopTick(1.5, progress: 2, quiescent: true)) == nil)  // 0.6 s still
        #expect(watch.observe(loopTick(1.6, progress: 2, quiescent: false)) == nil) // a timer came due
        #expect(watch.observe(loopTick(2.0, progress: 2, quiescent: true)) == nil)
        #expect(watch.observe(loopTick(3.0, progress: 2, quiescent: true))?.loops == [7])
    }

    @Test func quiescentLoopWithoutPendingTasksIsNotADeadlock() {
        var watch = HangWatch(loopStableSeconds: 0.5)
        for step in 0...20 {
            #expect(watch.observe(loopTick(Double(step) * 0.1, progress: 0, quiescent: true, pending: 0)) == nil)
        }
    }

    @Test func twoThreadsWaitingForEachOthersLocksAreACycle() {
        let waits: [HangTick.ThreadWait] = [
            .init(thread: 1, lock: 100, owner: 2, since: 0, forever: true),
            .init(thread: 2, lock: 200, owner: 1, since: 0.1, forever: true),
            .init(thread: 3, lock: 100, owner: 2, since: 0, forever: true),  // waits on the cycle, not in it
        ]
        var watch = HangWatch(threadStableSeconds: 0.5)
        #expect(watch.observe(HangTick(t: 0.3, progress: 0, waits: waits)) == nil)  // too young
        let decision = watch.observe(HangTick(t: 0.7, progress: 0, waits: waits))
        #expect(decision?.threads == [1, 2])
        #expect(decision?.seconds == 0.6)
    }

    @Test func waitsWithATimeoutOrOnAFreeLockAreNoCycle() {
        let withTimeout: [HangTick.ThreadWait] = [
            .init(thread: 1, lock: 100, owner: 2, since: 0, forever: false),
            .init(thread: 2, lock: 200, owner: 1, since: 0, forever: true),
        ]
        #expect(HangWatch.lockCycle(withTimeout, now: 5, minimumAge: 0.5).isEmpty)
        let chain: [HangTick.ThreadWait] = [
            .init(thread: 1, lock: 100, owner: 2, since: 0, forever: true),
            .init(thread: 2, lock: 200, owner: nil, since: 0, forever: true),
        ]
        #expect(HangWatch.lockCycle(chain, now: 5, minimumAge: 0.5).isEmpty)
    }
}

/// Issue 18: task lock cycles on a busy loop, stalled processes, and the monitor's pace.
@Suite struct HangWatchShapesTests {
    @Test func aTaskLockCycleIsADeadlockOfItsTasksOnlyOnceStable() {
        var watch = HangWatch(loopStableSeconds: 1.0)
        let young = HangTick(t: 5, progress: 10, taskCycles: [.init(loop: 7, tasks: [3, 4], seconds: 0.6)])
        #expect(watch.observe(young) == nil)
        let old = HangTick(t: 5.5, progress: 20, taskCycles: [.init(loop: 7, tasks: [4, 3], seconds: 1.1)])
        let decision = watch.observe(old)
        #expect(decision?.loops == [7])
        #expect(decision?.tasks == [3, 4])
        #expect(decision?.seconds == 1.1)
    }

    @Test func aStalledProcessIsADeadlockOfItsWaitingThreads() {
        let waits: [HangTick.ThreadWait] = [
            .init(thread: 1, lock: 100, owner: 2, since: 0, forever: true),
            .init(thread: 2, lock: 200, owner: nil, since: 0, forever: true),  // an Event only thread 1 would set
        ]
        var watch = HangWatch(loopStableSeconds: 1.0)
        #expect(watch.observe(HangTick(t: 3, progress: 0, waits: waits, stalled: 0.5)) == nil)
        #expect(watch.observe(HangTick(t: 3.6, progress: 0, waits: waits, stalled: 1.05))?.threads == [1, 2])
        // Stalled, but nobody waits for ever: nothing to explain, no verdict.
        #expect(watch.observe(HangTick(t: 4, progress: 0, waits: [], stalled: 5)) == nil)
    }

    @Test func theMonitorLooksLessOftenOnlyWhileThereIsNothingToWatch() {
        #expect(HangWatch.pause(after: HangTick(t: 0, progress: 0, idle: true)) == HangWatch.idlePause)
        #expect(HangWatch.pause(after: HangTick(t: 0, progress: 0)) == HangWatch.busyPause)
        #expect(HangWatch.pause(after: nil) == HangWatch.busyPause)
        #expect(HangWatch.idlePause <= 0.5)  // a thread deadlock is still called within about a second
    }
}
