import Foundation
import Testing

@testable import PyInspectCore

/// Children that ran without instruments (env={}, programs that are not Python): listed from their parent's
/// `process_spawned` and `process_reaped` records alone.
@Suite struct UninstrumentedProcessesTests {
    func spawned(_ child: Int32, by parent: Int32, argv: [String], python: Bool, kept: Bool, at time: Double) -> ChildProcessRecord {
        var record = ChildProcessRecord(record: "process_spawned", pid: parent)
        record.childPid = child
        record.argv = argv
        record.python = python
        record.childDirKept = kept
        record.monotonicS = time
        return record
    }

    func reaped(_ child: Int32, by parent: Int32, status: Int32, at time: Double, argv: [String]? = nil) -> ChildProcessRecord {
        var record = ChildProcessRecord(record: "process_reaped", pid: parent)
        record.childPid = child
        record.status = status
        record.monotonicS = time
        record.cpuUserS = 0.25
        record.cpuSystemS = 0.05
        record.maxRssBytes = 90_000_000
        record.argv = argv
        return record
    }

    @Test func aPythonChildThatLostTheEnvironmentIsListedWithWhy() throws {
        let capture = ChildProcessCapture(records: [
            spawned(20, by: 10, argv: ["/x/pyinspect-python", "-c", "pass"], python: true, kept: false, at: 1.0),
            reaped(20, by: 10, status: 7 << 8, at: 1.5),
        ])
        let process = try #require(ProcessAnalysis.processes(capture).first)
        #expect(process.role == "subprocess" && process.startMethod == "exec")
        #expect(process.instrumented == false)
        #expect(process.note?.contains("PYINSPECT_CHILD_DIR") == true)
        #expect(process.parentPid == 10)
        #expect(process.wallS == 0.5 && process.cpuS == 0.3)
        #expect(process.peakRssBytes == nil)  // ru_maxrss of an exec'd process is its parent's size
        #expect(process.exitStatus == 7 && process.verdict == "error")
        let lines = ProcessSummary.lines([process])
        #expect(lines.first == "  1 subprocess without instruments: cpu 0.3 s, exit 7")
        #expect(lines.count == 2 && lines[1].contains("[pid 20] ran without instruments"))
    }

    @Test func aProgramThatIsNotPythonIsACommand() throws {
        let capture = ChildProcessCapture(records: [
            spawned(21, by: 10, argv: ["/bin/sh", "-c", "exit 0"], python: false, kept: true, at: 2.0),
            reaped(21, by: 10, status: 0, at: 2.1),
        ])
        let process = try #require(ProcessAnalysis.processes(capture).first)
        #expect(process.role == "command" && process.command == "/bin/sh -c 'exit 0'")
        #expect(process.verdict == "clean" && process.findings.isEmpty)
        #expect(ProcessSummary.lines([process]) == ["  1 command: cpu 0.3 s, exit 0"])
    }

    @Test func aChildStartedOutsidePopenIsKnownFromItsReaperAndProc() throws {
        let capture = ChildProcessCapture(records: [reaped(22, by: 10, status: 9, at: 3.0, argv: ["sleep", "100"])])
        let process = try #require(ProcessAnalysis.processes(capture).first)
        #expect(process.role == "command" && process.command == "sleep 100")
        #expect(process.signalName == "SIGKILL" && process.verdict == "crash")
        #expect(process.wallS == nil)
    }

    @Test func anInstrumentedChildIsListedOnceFromItsOwnRecords() {
        var start = ChildProcessRecord(record: "process_started", pid: 23)
        start.startedBy = "exec"
        start.parentPid = 10
        start.argv = ["/x/pyinspect-python", "-c", "pass"]
        start.monotonicS = 4.0
        let capture = ChildProcessCapture(records: [
            spawned(23, by: 10, argv: ["/x/pyinspect-python", "-c", "pass"], python: true, kept: true, at: 3.9),
            start,
            reaped(23, by: 10, status: 0, at: 4.2),
        ])
        let processes = ProcessAnalysis.processes(capture)
        #expect(processes.count == 1)
        #expect(processes.first?.instrumented == nil)
    }
}
