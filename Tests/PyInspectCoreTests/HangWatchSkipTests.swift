import PyInspectCore
import Testing

/// Issue 18: the monitor skips a look (no GIL taken) only while a single busy loop's iteration is young and the
/// last look found nothing else to watch, and never for longer than `fullLookEvery`.
@Suite struct HangWatchSkipTests {
    func tick(skippable: Bool?) -> HangTick {
        var tick = HangTick(t: 1, progress: 3, loops: [], waits: [])
        tick.skippable = skippable
        return tick
    }

    @Test func aYoungIterationAfterASkippableLookIsSkipped() {
        #expect(HangWatch.maySkip(after: tick(skippable: true), sinceLastLook: 0.1, iterationAge: 0.01))
    }

    @Test func anOldIterationIsLookedAt() {
        // A callback may be running long (slow_callback), or the loop may be still (deadlock).
        #expect(!HangWatch.maySkip(after: tick(skippable: true), sinceLastLook: 0.1, iterationAge: 0.2))
        #expect(!HangWatch.maySkip(after: tick(skippable: true), sinceLastLook: 0.1, iterationAge: -1))
    }

    @Test func somethingElseToWatchOrHalfASecondForcesALook() {
        #expect(!HangWatch.maySkip(after: tick(skippable: nil), sinceLastLook: 0.1, iterationAge: 0.01))
        #expect(!HangWatch.maySkip(after: nil, sinceLastLook: 0.1, iterationAge: 0.01))
        #expect(!HangWatch.maySkip(after: tick(skippable: true), sinceLastLook: 0.5, iterationAge: 0.01))
    }
}
