import Foundation
@testable import PyInspectCore
import Testing

/// The GIL section, verdict, timeline and HTML from hand-made tracer records: no Python involved.
@Suite struct GILAnalysisTests {
    static let ms: UInt64 = 1_000_000

    func thread(_ id: Int64, held: UInt64, waited: UInt64 = 0, acquisitions: UInt64 = 10, maxHold: UInt64? = nil,
                holdBucketNs: UInt64 = 5 * GILAnalysisTests.ms) -> GILTraceRecord.Thread {
        GILTraceRecord.Thread(
            nativeId: id, acquisitions: acquisitions, switchesIn: acquisitions, holdTotalNs: held, waitTotalNs: waited,
            maxHoldNs: maxHold ?? min(held, 6 * Self.ms), maxWaitNs: min(waited, 6 * Self.ms), cpuNs: held,
            holdHistogram: [[UInt64(GILHistogram.bucket(ns: holdBucketNs)), acquisitions]],
            waitHistogram: waited > 0 ? [[UInt64(GILHistogram.bucket(ns: 4 * Self.ms)), acquisitions]] : [])
    }

    func known(_ pairs: [(String, Int64)]) -> [ThreadInfo] {
        pairs.map { ThreadInfo(name: $0.0, ident: nil, nativeId: $0.1, daemon: nil, startedS: 0, endedS: nil) }
    }

    let names = [("MainThread", 100), ("spinner-0", 101), ("spinner-1", 102)] as [(String, Int64)]

    @Test func twoCPUBoundThreadsAreGILBoundAndShareTheGIL() {
        // GIVEN two threads each holding 490 ms and waiting 480 ms of a 1 s trace
        var record = GILTraceRecord(mode: .exact, durationNs: 1000 * Self.ms, threads: [
            thread(100, held: 10 * Self.ms), thread(101, held: 490 * Self.ms, waited: 480 * Self.ms, acquisitions: 98),
            thread(102, held: 490 * Self.ms, waited: 480 * Self.ms, acquisitions: 98),
        ])
        record.switches = 196
        record.cpythonSwitches = 196
        // WHEN analysed
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        // THEN
        #expect(section.heldFraction == 0.99)
        #expect(section.threads.map(\.name) == ["MainThread", "spinner-0", "spinner-1"])
        #expect(section.threads[1].heldFraction == 0.49)
        #expect(section.threads[1].waitFraction == 0.48)
        #expect(section.threads[1].holdMs.map { $0.p50Ms > 4 && $0.p50Ms < 6 } == true)
        #expect(section.verdict.kind == "gil_bound")
        #expect(section.verdict.gilBound)
        #expect(section.verdict.text.contains("spinner-0, spinner-1"))
        #expect(section.convoys.isEmpty)
    }

    @Test func sleepingThreadsAreNotGILBound() {
        let record = GILTraceRecord(mode: .exact, durationNs: 500 * Self.ms, threads: [
            thread(100, held: 5 * Self.ms), thread(101, held: Self.ms / 10, waited: Self.ms / 10),
        ])
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        #expect(section.heldFraction < 0.02)
        #expect(section.verdict.kind == "not_gil_bound")
        #expect(!section.verdict.gilBound)
    }

    @Test func oneLongCCallIsAttributedWithItsStack() {
        // GIVEN MainThread holding 700 ms in one hold whose frame never moved, and a ticker waiting meanwhile
        var record = GILTraceRecord(mode: .exact, durationNs: 800 * Self.ms, threads: [
            thread(100, held: 720 * Self.ms, acquisitions: 20, maxHold: 700 * Self.ms),
            thread(101, held: Self.ms / 10, waited: 700 * Self.ms, acquisitions: 40),
        ])
        record.longHolds = [.init(seq: 7, thread: 0, startNs: 50 * Self.ms, durationNs: 700 * Self.ms)]
        record.watches = [.init(seq: 7, thread: 0, startNs: 50 * Self.ms, durationNs: 690 * Self.ms, samples: 300,
                                advancedSamples: 0, noFrameSamples: 0, cpuNs: 600 * Self.ms, wallNs: 600 * Self.ms)]
        let stack = [StackFrame(file: "/t/long.py", line: 16, function: "<module>")]
        // WHEN analysed
        let section = GILAnalysis.analyze(GILCapture(record: record, stacks: [7: stack]), threads: known(names))
        // THEN the hold is the longest, a C call, with its stack; MainThread is named; ticker is a convoy
        #expect(section.maxHoldMs == 700)
        #expect(section.maxHoldThread == "MainThread")
        let hold = try? #require(section.longestHolds.first)
        #expect(hold?.activity == "c_call")
        #expect(hold?.stack == stack)
        #expect(hold?.onCpuFraction == 1)
        #expect(hold?.description.contains("/t/long.py:16") == true)
        #expect(section.convoys.map(\.thread) == ["spinner-0"])
        #expect(section.verdict.kind == "gil_bound")
        #expect(section.verdict.thread == "MainThread")
        #expect(section.verdict.advice.first?.contains("Release the GIL") == true)
    }

    @Test func longCallWithLowOverallHeldFractionIsALatencyVerdict() {
        var record = GILTraceRecord(mode: .exact, durationNs: 2000 * Self.ms, threads: [
            thread(100, held: 300 * Self.ms, maxHold: 250 * Self.ms), thread(101, held: Self.ms, waited: 250 * Self.ms),
        ])
        record.longHolds = [.init(seq: 3, thread: 0, startNs: 0, durationNs: 250 * Self.ms)]
        record.watches = [.init(seq: 3, thread: 0, startNs: 0, durationNs: 250 * Self.ms, samples: 100,
                                advancedSamples: 0, noFrameSamples: 0, cpuNs: nil, wallNs: 200 * Self.ms)]
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        #expect(section.verdict.kind == "long_c_call")
        #expect(section.verdict.thread == "MainThread")
    }

    /// `sum(range(...))` on a machine at load 4: 35% on CPU, the rest runnable. Not "blocking".
    @Test func aCCallStarvedOfCPUIsNotCalledBlocking() {
        let loaded = GILTraceRecord.Watch(seq: 1, thread: 0, startNs: 0, durationNs: 1_400 * Self.ms, samples: 300,
                                          advancedSamples: 0, noFrameSamples: 0, cpuNs: 490 * Self.ms,
                                          wallNs: 1_400 * Self.ms, runnableNs: 880 * Self.ms)
        let (activity, onCpu) = GILAnalysis.classify(loaded)
        let runnable = GILAnalysis.runnableFraction(loaded)
        #expect(activity == "c_call")
        #expect(runnable == 0.629)
        let text = GILAnalysis.describe(activity: activity, onCpu: onCpu, runnable: runnable, stack: [])
        #expect(text.hasPrefix("one C call ran without releasing the GIL"), "\(text)")
        // Off CPU and not runnable either: blocked while holding the GIL.
        let blocked = GILAnalysis.describe(activity: "c_call", onCpu: 0.05, runnable: 0.02, stack: [])
        #expect(blocked.contains("blocking without releasing the GIL"))
    }

    @Test func bytecodeAdvancingIsPython() {
        let watch = GILTraceRecord.Watch(seq: 1, thread: 0, startNs: 0, durationNs: 60 * Self.ms, samples: 20,
                                         advancedSamples: 19, noFrameSamples: 0, cpuNs: 10 * Self.ms, wallNs: 50 * Self.ms)
        let (activity, onCpu) = GILAnalysis.classify(watch)
        #expect(activity == "python")
        #expect(onCpu == 0.2)
        #expect(GILAnalysis.classify(nil).0 == "unknown")
    }

    @Test func sleeperBesideCPUThreadIsAConvoy() {
        let record = GILTraceRecord(mode: .exact, durationNs: 1000 * Self.ms, threads: [
            thread(100, held: 10 * Self.ms), thread(101, held: 950 * Self.ms, waited: 10 * Self.ms),
            thread(102, held: 2 * Self.ms, waited: 800 * Self.ms, acquisitions: 150),
        ])
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        #expect(section.convoys.map(\.thread) == ["spinner-1"])
        #expect(section.convoys.first?.behind == ["spinner-0"])
    }

    @Test func unknownThreadsAreNamedByNativeId() {
        let record = GILTraceRecord(mode: .exact, durationNs: 100 * Self.ms, threads: [thread(555, held: Self.ms)])
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        #expect(section.threads.map(\.name) == ["native-555"])
    }

    @Test func samplingModeUsesTicksAndListsThreadsNeverSeenHolding() {
        var record = GILTraceRecord(mode: .sampled, durationNs: 1000 * Self.ms, threads: [
            GILTraceRecord.Thread(nativeId: 101, sampledTicks: 450), GILTraceRecord.Thread(nativeId: 102, sampledTicks: 450),
        ])
        record.sampleTicks = 1000
        record.lockedTicks = 900
        record.tickNs = Self.ms
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        #expect(section.heldFraction == 0.9)
        #expect(section.acquisitions == nil)
        #expect(section.threads.map(\.name) == ["spinner-0", "spinner-1", "MainThread"])
        #expect(section.threads[0].heldFraction == 0.45)
        #expect(section.threads[0].waitFraction == nil)
        #expect(section.sampleIntervalMs == 1)
        #expect(section.verdict.gilBound)
    }

    @Test func histogramBucketsContainTheirValues() {
        for value: UInt64 in [0, 1, 3, 4, 5, 7, 8, 100, 4_999_999, 5_000_000, 762_400_000, 1 << 40] {
            let bounds = GILHistogram.bounds(bucket: GILHistogram.bucket(ns: value))
            #expect(bounds.lower <= Double(value) && Double(value) < bounds.upper, "value \(value)")
        }
        let quantile = GILHistogram.quantile([[UInt64(GILHistogram.bucket(ns: 1000)), 10]], 0.99, maxNs: 1010)
        #expect(quantile.map { $0 >= 896 && $0 <= 1010 } == true)
        #expect(GILHistogram.quantile([], 0.5, maxNs: 0) == nil)
        // Counted in TSC ticks at 2.5 ticks per ns: 10,000 ticks are 4,000 ns.
        let scaled = GILHistogram.quantile([[UInt64(GILHistogram.bucket(ns: 10_000)), 5]], 0.5, maxNs: 10_000, ticksPerNs: 2.5)
        #expect(scaled.map { $0 > 3_400 && $0 < 4_600 } == true)
    }

    @Test func timelineSplitsEventsIntoColumns() {
        let record = GILTraceRecord(mode: .exact, durationNs: 100, threads: [thread(1, held: 50), thread(2, held: 0)])
        let events = [GILEvent(startNs: 0, endNs: 50, thread: 0, kind: .held),
                      GILEvent(startNs: 25, endNs: 50, thread: 1, kind: .waited)]
        let timeline = GILTimeline.build(capture: GILCapture(record: record, events: events), columns: 4)
        #expect(timeline.lanes[0].held == [1, 1, 0, 0])
        #expect(timeline.lanes[1].waited == [0, 1, 0, 0])
        #expect(timeline.lanes[1].held == [0, 0, 0, 0])
    }

    @Test func eventsDecodeFromTheTracerFormat() {
        var data = Data()
        for value in [UInt64(10), UInt64(30)] { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        for value in [UInt32(2), UInt32(1)] { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        #expect(GILCapture.decodeEvents(data) == [GILEvent(startNs: 10, endNs: 30, thread: 2, kind: .waited)])
    }

    @Test func htmlEscapesWhatTheTargetNamed() {
        let record = GILTraceRecord(mode: .exact, durationNs: 100 * Self.ms, threads: [thread(9, held: 50 * Self.ms)])
        let capture = GILCapture(record: record)
        let section = GILAnalysis.analyze(capture, threads: known([("<script>alert('x')</script>", 9)]))
        var report = Report(command: "gil", verdict: .clean, exitStatus: 0)
        report.target = TargetInfo(kind: "code", value: "print('<b>')", arguments: [])
        let html = GILHTMLReport.render(report: report, section: section, capture: capture)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
    }

    @Test func theTracerThreadIsMainThreadAndOpenWaitsAreDrawn() {
        // GIVEN no threading records (a timeout while a C call held the GIL), a hold and a wait still open
        var main = thread(300, held: 90)
        main.openHoldStartNs = 10
        var waiter = thread(301, held: 0, waited: 80)
        waiter.openWaitStartNs = 20
        var record = GILTraceRecord(mode: .exact, durationNs: 100, threads: [main, waiter])
        record.mainNativeId = 300
        // WHEN analysed and drawn
        let capture = GILCapture(record: record)
        let section = GILAnalysis.analyze(capture, threads: [])
        let timeline = GILTimeline.build(capture: capture, columns: 10)
        // THEN
        #expect(section.threads.map(\.name) == ["MainThread", "native-301"])
        #expect(timeline.lanes[0].held.suffix(9).allSatisfy { $0 == 1 })
        #expect(timeline.lanes[1].waited.suffix(8).allSatisfy { $0 == 1 })
        #expect(timeline.lanes[1].waited[0] == 0)
    }

    @Test func aContendedPhaseInALongerRunIsNamed() {
        // GIVEN held 40% of the run, two pool threads waiting 20% each
        let record = GILTraceRecord(mode: .exact, durationNs: 1000 * Self.ms, threads: [
            thread(100, held: 100 * Self.ms), thread(101, held: 150 * Self.ms, waited: 200 * Self.ms),
            thread(102, held: 150 * Self.ms, waited: 200 * Self.ms),
        ])
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: known(names))
        #expect(section.verdict.kind == "contended")
        #expect(!section.verdict.gilBound)
        #expect(section.verdict.text.contains("spinner-0"))
    }
}
