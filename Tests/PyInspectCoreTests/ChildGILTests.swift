import Foundation
import Testing

@testable import PyInspectCore

/// `run --gil` in children: a child's own trace (`<pid>.gil.json`, written by pyinspect-python's C saver in
/// GILTraceRecord's format) becomes `processes[].gil`, and the group's summary line says when the GIL limited it.
@Suite struct ChildGILTests {
    static let ms: UInt64 = 1_000_000

    func worker(_ pid: Int32, spinnersWait waited: UInt64) throws -> ProcessReport {
        var start = ChildProcessRecord(record: "process_started", pid: pid)
        start.startedBy = "exec"
        start.parentPid = 1
        start.argv = ["/x/pyinspect-python", "-c", "from multiprocessing.spawn import spawn_main; spawn_main()"]
        start.monotonicS = 1
        var capture = ChildProcessCapture(records: [start])
        let threads = [(Int64(pid), 10 * Self.ms, UInt64(0)), (Int64(pid) + 1, 490 * Self.ms, waited),
                       (Int64(pid) + 2, 490 * Self.ms, waited)].map { id, held, wait in
            GILTraceRecord.Thread(nativeId: id, acquisitions: 50, switchesIn: 50, holdTotalNs: held, waitTotalNs: wait,
                                  maxHoldNs: 6 * Self.ms, maxWaitNs: min(wait, 6 * Self.ms))
        }
        var record = GILTraceRecord(mode: .exact, durationNs: 1000 * Self.ms, threads: threads)
        record.mainNativeId = Int64(pid)
        record.switches = 100
        capture.gil[pid] = GILCapture(record: record)
        capture.threads[pid] = [ThreadInfo(name: "spinner-0", ident: nil, nativeId: Int64(pid) + 1, daemon: nil, startedS: 0, endedS: nil)]
        return try #require(ProcessAnalysis.processes(capture).first)
    }

    @Test func aWorkersTraceIsItsGILSectionWithItsThreadsNamed() throws {
        let process = try worker(40, spinnersWait: 480 * Self.ms)
        let gil = try #require(process.gil)
        #expect(gil.threads.map(\.name) == ["MainThread", "spinner-0", "native-42"])
        #expect(gil.verdict.kind == "gil_bound")
        let lines = ProcessSummary.lines([process])
        #expect(lines.count == 2)
        #expect(lines[1].hasPrefix("    GIL: gil_bound in 1 of 1 traced — [pid 40] held it 99% of its run"))
        #expect(lines[1].contains("3 threads, 100 switches"))
    }

    @Test func noGILLineWhenNoWorkerWasLimitedByIt() throws {
        // The same holds without waits: threads took turns, nobody queued.
        var quiet = try worker(50, spinnersWait: 0)
        quiet.gil?.verdict.kind = "not_gil_bound"
        #expect(ProcessSummary.lines([quiet]).count == 1)
    }
}

/// A deadlock a child's own watcher found becomes that child's finding and a `child_deadlock` of the run.
@Suite struct ChildDeadlockTests {
    @Test func aChildsDeadlockFindingIsAlsoTheRunsOncePerProcess() {
        var process = ProcessReport(pid: 77, command: "x", role: "fork", startMethod: "fork", verdict: "unknown")
        var deadlock = Finding(kind: "deadlock", message: "thread 'a' waits for Lock held by thread 'b'")
        deadlock.cycle = ["a", "b", "a"]
        process.findings = [deadlock, Finding(kind: "deadlock", message: "thread 'b' waits for Lock held by thread 'a'")]
        let quiet = ProcessReport(pid: 78, command: "y", role: "fork", startMethod: "fork", verdict: "clean")
        let found = RunReportBuilder.childDeadlocks([process, quiet])
        #expect(found.count == 1)
        #expect(found.first?.kind == "child_deadlock")
        #expect(found.first?.message == "process 77 (fork) deadlocked: thread 'a' waits for Lock held by thread 'b'")
        #expect(found.first?.cycle == ["a", "b", "a"])
    }
}
