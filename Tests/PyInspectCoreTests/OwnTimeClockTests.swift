import Glibc
import Testing
@testable import PyInspectCore

/// The leak budget's clock: wall time less the thread's waits for a CPU. Sleeping is the thread's own time
/// (it was not waiting for a core), so a sleep is counted whole, and the clock never runs ahead of wall time.
@Suite struct OwnTimeClockTests {
    @Test func schedstatIsReadHere() {
        #expect(OwnTimeClock.runQueueDelayNs() != nil)
    }

    @Test func aSleepCountsAndTheClockNeverPassesWallTime() {
        var before = timespec()
        clock_gettime(CLOCK_MONOTONIC, &before)
        let clock = OwnTimeClock()
        usleep(50_000)
        let own = clock.seconds
        var after = timespec()
        clock_gettime(CLOCK_MONOTONIC, &after)
        let wall = Double(after.tv_sec - before.tv_sec) + Double(after.tv_nsec - before.tv_nsec) / 1e9
        #expect(own >= 0.049, "\(own)")
        #expect(own <= wall, "\(own) > \(wall)")
    }
}
