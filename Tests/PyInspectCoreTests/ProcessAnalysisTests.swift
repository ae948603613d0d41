import Foundation
import Testing

@testable import PyInspectCore

/// `processes` from child records (the format child_process.py documents), without Python.
@Suite struct ProcessAnalysisTests {
    func started(_ pid: Int32, parent: Int32, by: String, argv: [String], at time: Double, site: [StackFrame]? = nil) -> ChildProcessRecord {
        var record = ChildProcessRecord(record: "process_started", pid: pid)
        record.startedBy = by
        record.parentPid = parent
        record.argv = argv
        record.monotonicS = time
        record.forkSite = site
        return record
    }

    func ended(_ pid: Int32, code: Int32?, at time: Double, cpu: Double, peak: Int64) -> ChildProcessRecord {
        var record = ChildProcessRecord(record: "process_ended", pid: pid)
        record.exitCode = code
        record.monotonicS = time
        record.cpuUserS = cpu
        record.cpuSystemS = 0
        record.peakRssBytes = peak
        return record
    }

    func reaped(_ child: Int32, by parent: Int32, status: Int32, at time: Double, cpu: Double, maxRSS: Int64) -> ChildProcessRecord {
        var record = ChildProcessRecord(record: "process_reaped", pid: parent)
        record.childPid = child
        record.status = status
        record.monotonicS = time
        record.cpuUserS = cpu
        record.cpuSystemS = 0
        record.maxRssBytes = maxRSS
        return record
    }

    static let spawnArgv = ["/x/pyinspect-python", "-B", "-c",
                            "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=6, pipe_handle=13)",
                            "--multiprocessing-fork"]

    @Test func rolesComeFromTheCommandOrTheForkSite() {
        let cases: [(ChildProcessRecord, String, String)] = [
            (started(1, parent: 0, by: "exec", argv: Self.spawnArgv, at: 0), "multiprocessing worker", "spawn"),
            (started(2, parent: 0, by: "exec", argv: ["p", "-c", "from multiprocessing.resource_tracker import main;main(5)"], at: 0),
             "resource tracker", "exec"),
            (started(3, parent: 0, by: "exec", argv: ["p", "-I", "-c", "from multiprocessing.forkserver import main; main(11)"], at: 0),
             "forkserver", "exec"),
            (started(4, parent: 0, by: "exec", argv: ["p", "child.py"], at: 0), "subprocess", "exec"),
            (started(5, parent: 0, by: "fork", argv: ["p"], at: 0,
                     site: [StackFrame(file: "/usr/lib/python3.11/multiprocessing/popen_fork.py", line: 66, function: "_launch")]),
             "multiprocessing worker", "fork"),
            (started(6, parent: 0, by: "fork", argv: ["p"], at: 0,
                     site: [StackFrame(file: "/usr/lib/python3.11/multiprocessing/forkserver.py", line: 274, function: "main")]),
             "multiprocessing worker", "forkserver"),
            (started(7, parent: 0, by: "fork", argv: ["p"], at: 0, site: [StackFrame(file: "/srv/app.py", line: 3, function: "<module>")]),
             "fork", "fork"),
        ]
        for (record, role, method) in cases {
            let (gotRole, gotMethod) = ProcessAnalysis.classify(record)
            #expect(gotRole == role && gotMethod == method, "\(record.argv ?? [])")
        }
    }

    @Test func ownEndGivesTheFiguresAndTheReaperGivesTheExitStatus() throws {
        let capture = ChildProcessCapture(records: [
            started(20, parent: 10, by: "exec", argv: Self.spawnArgv, at: 100),
            ended(20, code: nil, at: 102.5, cpu: 1.25, peak: 31 << 20),
            reaped(20, by: 10, status: 0, at: 102.6, cpu: 1.3, maxRSS: 90 << 20),
        ])
        let process = try #require(ProcessAnalysis.processes(capture).first)
        #expect(process.pid == 20 && process.parentPid == 10)
        #expect(process.wallS == 2.5)
        #expect(process.cpuS == 1.25)
        #expect(process.peakRssBytes == 31 << 20)  // VmHWM, not the exec'd process's inherited ru_maxrss
        #expect(process.exitStatus == 0 && process.verdict == "clean" && process.findings.isEmpty)
    }

    @Test func aChildKilledBeforeItsEndIsListedFromItsReaper() throws {
        let exec = ChildProcessCapture(records: [
            started(20, parent: 10, by: "exec", argv: ["p", "x.py"], at: 100),
            reaped(20, by: 10, status: 9, at: 101, cpu: 0.5, maxRSS: 90 << 20),
        ])
        let process = try #require(ProcessAnalysis.processes(exec).first)
        #expect(process.signal == 9 && process.signalName == "SIGKILL" && process.exitStatus == nil)
        #expect(process.verdict == "crash")
        #expect(process.wallS == 1 && process.cpuS == 0.5)
        #expect(process.peakRssBytes == nil)
        #expect(process.findings.map(\.kind) == ["fatal_signal"])
        // A fork's ru_maxrss is its own (its high-water mark restarts at the fork).
        let fork = ChildProcessCapture(records: [
            started(21, parent: 10, by: "fork", argv: ["p"], at: 100),
            reaped(21, by: 10, status: 15, at: 101, cpu: 0.5, maxRSS: 12 << 20),
        ])
        let forked = try #require(ProcessAnalysis.processes(fork).first)
        #expect(forked.peakRssBytes == 12 << 20)
        #expect(forked.verdict == "interrupted")
    }

    @Test func anEndNeverSeenIsSaid() throws {
        var capture = ChildProcessCapture(records: [started(20, parent: 10, by: "exec", argv: ["p"], at: 100)])
        let unseen = try #require(ProcessAnalysis.processes(capture).first)
        #expect(unseen.verdict == "unknown" && unseen.findings.map(\.kind) == ["end_not_seen"])
        capture.stillRunning = [20]
        #expect(ProcessAnalysis.processes(capture).first?.findings.map(\.kind) == ["still_running"])
    }

    @Test func theTargetsOwnEndIsNotListed() {
        let capture = ChildProcessCapture(records: [
            ended(10, code: nil, at: 5, cpu: 0.1, peak: 20 << 20),
            started(20, parent: 10, by: "exec", argv: ["p"], at: 1),
        ])
        #expect(ProcessAnalysis.processes(capture).map(\.pid) == [20])
        #expect(ProcessAnalysis.ownEnd(of: 10, in: capture)?.peakRssBytes == 20 << 20)
        #expect(ProcessAnalysis.ownEnd(of: 20, in: capture) == nil)
    }

    @Test func summaryHasALinePerGroup() {
        func process(_ pid: Int32, _ role: String, _ method: String, cpu: Double, peak: Int64, exit: Int32?, signal: Int32? = nil) -> ProcessReport {
            var report = ProcessReport(pid: pid, command: "p", role: role, startMethod: method, verdict: "clean")
            report.cpuS = cpu
            report.peakRssBytes = peak
            report.exitStatus = exit
            report.signal = signal
            report.signalName = signal.map(signalName)
            return report
        }
        let lines = ProcessSummary.lines([
            process(1, "resource tracker", "exec", cpu: 0.05, peak: 17 << 20, exit: 0),
            process(2, "multiprocessing worker", "spawn", cpu: 1.0, peak: 31 << 20, exit: 0),
            process(3, "multiprocessing worker", "spawn", cpu: 0.9, peak: 33 << 20, exit: 0),
            process(4, "multiprocessing worker", "spawn", cpu: 1.0, peak: 32 << 20, exit: 0),
            process(5, "fork", "fork", cpu: 0.1, peak: 10 << 20, exit: 0),
            process(6, "fork", "fork", cpu: 0.1, peak: 10 << 20, exit: nil, signal: 9),
        ])
        #expect(lines == [
            "  1 resource tracker: cpu 0.1 s, peak RSS 17 MiB, exit 0",
            "  3 multiprocessing workers (spawn): cpu 2.9 s, peak RSS 31-33 MiB each, all exit 0",
            "  2 forked processes: cpu 0.2 s, peak RSS 10 MiB each, 1 exit 0, 1 killed by SIGKILL",
        ])
    }

    @Test func recordsAreReadFromEveryJSONLinesFileAndOtherFilesAreLeftAlone() throws {
        let directory = NSTemporaryDirectory() + "pyinspect-children-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(#"""
            {"record": "process_started", "started_by": "exec", "parent_pid": 1, "argv": ["p"], "pid": 5, "monotonic_s": 1.0}
            {"record": "process_ended", "how": "exit", "exit_code": 0, "cpu_user_s": 0.1, "cpu_system_s": 0.0, "peak_rss_bytes": null, "pid": 5, "monotonic_s": 2.0}
            {"record": "process_ended", "how
            """#.utf8).write(to: URL(fileURLWithPath: directory + "/5.jsonl"))
        try Data("not records".utf8).write(to: URL(fileURLWithPath: directory + "/5.stacks"))
        let capture = ChildProcessCapture.read(directory: directory)
        #expect(capture.records.count == 2)
        #expect(capture.unreadableLines == 1)
        #expect(ProcessAnalysis.processes(capture).first?.exitStatus == 0)
    }
}
