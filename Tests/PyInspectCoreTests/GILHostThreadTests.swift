import Foundation
@testable import PyInspectCore
import Testing

/// pyinspect's own threads (hang monitor, watchdog) take the GIL now and then: the tracer counts those hand-offs
/// apart (`all_switches`), and the analysis leaves their holds and acquisitions out of the target's figures.
@Suite struct GILHostThreadTests {
    static let ms: UInt64 = 1_000_000

    /// A single-threaded target over 500 ms, with the hang monitor (native id 900) taking the GIL 10 times.
    func singleThreadedRecord() -> GILTraceRecord {
        var record = GILTraceRecord(mode: .exact, durationNs: 500 * Self.ms, threads: [
            GILTraceRecord.Thread(nativeId: 100, acquisitions: 10, switchesIn: 0, holdTotalNs: 495 * Self.ms),
            GILTraceRecord.Thread(nativeId: 900, acquisitions: 10, switchesIn: 0, holdTotalNs: Self.ms / 10),
        ])
        record.mainNativeId = 100
        record.acquisitions = 10  // the tracer counts the target's threads only
        record.switches = 0
        record.allSwitches = 20  // main -> monitor -> main, ten times
        record.cpythonSwitches = 20
        return record
    }

    @Test func aSingleThreadedTargetHasOneHolderAndNoSwitches() {
        // GIVEN the record above WHEN analysed with the monitor announced
        let section = GILAnalysis.analyze(
            GILCapture(record: singleThreadedRecord()), threads: [], hostThreads: [900: "pyinspect-hang-monitor"])
        // THEN one holder, no switches, the monitor's acquisitions not counted
        #expect(section.threads.map(\.name) == ["MainThread"])
        #expect(section.switches == 0)
        #expect(section.acquisitions == 10)
        #expect(section.cpythonSwitches == 20)
        #expect(section.verdict.figures.contains("0 switches between threads"))
    }

    @Test func theCrossCheckComparesEveryHandOffWithCPythonsCount() {
        // GIVEN the tracer saw as many hand-offs as CPython counted, pyinspect's included
        var report = Report(command: "gil", verdict: .clean, exitStatus: 0)
        GILRun.addSection(
            to: &report, requested: true, capture: GILCapture(record: singleThreadedRecord()),
            hostThreads: [900: "pyinspect-hang-monitor"])
        // THEN no mismatch is reported, though the target's switches (0) differ from CPython's (20)
        #expect(!report.diagnostics.contains { $0.message.contains("GIL tracer saw") }, "\(report.diagnostics)")
        // AND a real mismatch still is
        var record = singleThreadedRecord()
        record.allSwitches = 18
        var mismatched = Report(command: "gil", verdict: .clean, exitStatus: 0)
        GILRun.addSection(to: &mismatched, requested: true, capture: GILCapture(record: record), hostThreads: [:])
        #expect(mismatched.diagnostics.contains { $0.message == "GIL tracer saw 18 switches, CPython counted 20" })
    }

    @Test func timelineLanesAreNamedBySlotAndPyinspectsOwnAreLeftOut() {
        // GIVEN the monitor took the GIL before the spinner existed: its slot sits between the target's
        var record = GILTraceRecord(mode: .exact, durationNs: 100 * Self.ms, threads: [
            GILTraceRecord.Thread(nativeId: 100, acquisitions: 3, holdTotalNs: 40 * Self.ms),
            GILTraceRecord.Thread(nativeId: 900, acquisitions: 2, holdTotalNs: Self.ms),
            GILTraceRecord.Thread(nativeId: 101, acquisitions: 3, holdTotalNs: 50 * Self.ms),
        ])
        record.mainNativeId = 100
        let capture = GILCapture(record: record, events: [
            GILEvent(startNs: 0, endNs: 40 * Self.ms, thread: 0, kind: .held),
            GILEvent(startNs: 40 * Self.ms, endNs: 41 * Self.ms, thread: 1, kind: .held),
            GILEvent(startNs: 41 * Self.ms, endNs: 91 * Self.ms, thread: 2, kind: .held),
        ])
        let known = [ThreadInfo(name: "spinner-0", ident: nil, nativeId: 101, daemon: nil, startedS: 0, endedS: nil)]
        let section = GILAnalysis.analyze(capture, threads: known, hostThreads: [900: "pyinspect-hang-monitor"])
        // WHEN the lanes are named and drawn
        let names = GILTimeline.laneNames(record: record, section: section)
        var report = Report(command: "gil", verdict: .clean, exitStatus: 0)
        report.gil = section
        let html = GILHTMLReport.render(report: report, section: section, capture: capture)
        // THEN slot 2 is the spinner (not the monitor's name, not "?"), the monitor has no lane
        #expect(names == [0: "MainThread", 2: "spinner-0"])
        #expect(html.contains(">MainThread</text>") && html.contains(">spinner-0</text>"))
        #expect(!html.contains(">?</text>") && !html.contains("pyinspect-hang-monitor"))
        #expect(html.components(separatedBy: "<text x=\"0\"").count - 1 == 2)
        #expect(html.contains("pyinspect's own threads"))
    }

    @Test func aReusedThreadIdStillNamesEachLane() {
        let record = GILTraceRecord(mode: .exact, durationNs: 100 * Self.ms, threads: [
            GILTraceRecord.Thread(nativeId: 100, acquisitions: 1, holdTotalNs: Self.ms),
            GILTraceRecord.Thread(nativeId: 555, acquisitions: 1, holdTotalNs: Self.ms),
            GILTraceRecord.Thread(nativeId: 555, acquisitions: 1, holdTotalNs: Self.ms),
        ])
        let section = GILAnalysis.analyze(GILCapture(record: record), threads: [])
        #expect(GILTimeline.laneNames(record: record, section: section).count == 3)
    }
}
