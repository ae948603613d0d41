import Testing

@testable import PyInspectCore

/// `pyinspect top`: a frame's rates and shares from two `stats` replies (hand-made, no Python).
@Suite struct TopViewTests {
    func stats(at time: Double, rss: Int64, collections: [Int], pause: Double?, held: [Int32: Double]?) -> TopStats {
        TopStats(
            timeS: time, pid: 42, program: "/srv/app.py",
            memory: CheckpointMemory(pythonBlocks: 1000, rssBytes: rss, cHeapBytes: 10, pythonTracedBytes: nil),
            gc: TopStats.GC(counts: [1, 2, 3], collections: collections, pauseTotalS: pause),
            threads: [TopStats.ThreadRow(name: "MainThread", nativeId: 7, function: "serve", file: "/srv/app.py", line: 9),
                      TopStats.ThreadRow(name: "worker", nativeId: 8, function: nil, file: nil, line: nil)],
            tasks: 3, fds: 12, checkpoints: 1,
            gil: held.map { held in
                CheckpointGIL(seconds: time, acquisitions: 0, switches: 0,
                              threads: held.keys.sorted().map { CheckpointGIL.Thread(nativeId: $0, heldS: held[$0] ?? 0, waitedS: 0.1 * time) })
            })
    }

    @Test func ratesAndSharesComeFromTheIntervalBetweenTwoReplies() {
        let first = stats(at: 10, rss: 1 << 20, collections: [10, 1, 0], pause: 0.010, held: [7: 2.0, 8: 1.0])
        let second = stats(at: 12, rss: 3 << 20, collections: [14, 1, 0], pause: 0.050, held: [7: 3.0, 8: 1.2])
        let frame = TopFrame.make(current: second, previous: first)
        #expect(frame.intervalS == 2)
        #expect(frame.rssPerS == Double(1 << 20))
        #expect(frame.gcPerS == 2)
        #expect(abs((frame.gcPauseShare ?? 0) - 0.02) < 1e-9)
        #expect(abs((frame.threads[0].gilHeldShare ?? 0) - 0.5) < 1e-9)
        #expect(abs((frame.threads[1].gilHeldShare ?? 0) - 0.1) < 1e-9)
        #expect(abs((frame.gilHeldShare ?? 0) - 0.6) < 1e-9)
        #expect(frame.threads[0].at == "serve (app.py:9)")
        #expect(frame.threads[1].at == nil)
        let text = frame.lines().joined(separator: "\n")
        #expect(text.contains("RSS 3.0 MiB (+1.0 MiB/s)"))
        #expect(text.contains("held 60% of the interval"))
        #expect(text.contains("asyncio tasks 3, fds 12"))
    }

    @Test func aFirstFrameOrAnUntracedGILHasNoRates() {
        let only = stats(at: 5, rss: 100, collections: [1, 0, 0], pause: nil, held: nil)
        let first = TopFrame.make(current: only, previous: nil)
        #expect(first.intervalS == nil && first.rssPerS == nil && first.gcPerS == nil && first.gilHeldShare == nil)
        let later = TopFrame.make(current: stats(at: 6, rss: 100, collections: [1, 0, 0], pause: nil, held: nil), previous: only)
        #expect(later.gilHeldShare == nil)
        #expect(later.lines().contains { $0.contains("not traced (pyinspect run --gil)") })
        #expect(later.lines(width: 20).allSatisfy { $0.count <= 20 })
    }

    func profile(_ samples: UInt64, _ rows: [(String, UInt64, UInt64)]) -> LiveProfile {
        LiveProfile(cpuSamples: samples, functions: rows.map {
            LiveProfile.Function(function: $0.0, file: "/srv/app.py", line: 3, selfSamples: $0.1, totalSamples: $0.2)
        })
    }

    @Test func theBusiestFunctionsAreTheIntervalsDifferencesNotTheRunsTotals() {
        var first = stats(at: 10, rss: 100, collections: [1, 0, 0], pause: nil, held: nil)
        first.profile = profile(1000, [("parse", 900, 950), ("render", 100, 100)])
        var second = stats(at: 11, rss: 100, collections: [1, 0, 0], pause: nil, held: nil)
        // Over the interval: 100 samples, render 80 of them, parse 20 (a function new to the reply had none).
        second.profile = profile(1100, [("parse", 920, 970), ("render", 180, 180), ("fresh", 0, 30)])
        let frame = TopFrame.make(current: second, previous: first)
        #expect(frame.busiestSamples == 100)
        #expect(frame.busiest?.map(\.function) == ["render", "parse"])
        #expect(abs((frame.busiest?.first?.selfShare ?? 0) - 0.8) < 1e-9)
        #expect(abs((frame.busiest?.last?.totalShare ?? 0) - 0.2) < 1e-9)
        let text = frame.lines().joined(separator: "\n")
        #expect(text.contains("on CPU over the interval, 100 samples"), "\(text)")
        #expect(text.contains("80%    80%    render (app.py:3)"), "\(text)")
        // The first frame has only the totals: since the start.
        let opening = TopFrame.make(current: first, previous: nil)
        #expect(opening.busiest?.first?.function == "parse")
        #expect(opening.lines().contains { $0.contains("since the start, 1000 samples") })
        // Without a profile the view says how to get one.
        let plain = TopFrame.make(current: stats(at: 5, rss: 1, collections: [0, 0, 0], pause: nil, held: nil), previous: nil)
        #expect(plain.busiest == nil)
        #expect(plain.lines().contains { $0.contains("not sampled (pyinspect run --profile)") })
    }
}
