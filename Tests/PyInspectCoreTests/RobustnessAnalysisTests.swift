import Foundation
import PyInspectCore
import Testing

/// Verdicts and diagnostics of faults and hostile targets, from hand-made outcomes and captures: no Python.
@Suite struct RobustnessAnalysisTests {
    func ended(exception: String? = nil, instruments: InstrumentStates? = nil) -> RunCapture {
        var capture = RunCapture()
        capture.started = true
        capture.end = .init(
            reason: "exit", gc: nil, threads: [],
            exception: exception.map { ExceptionInfo(type: $0, module: "builtins", message: "") },
            instruments: instruments)
        return capture
    }

    let limit: UInt64 = 256 << 20

    @Test func uncaughtMemoryErrorUnderALimitIsMemoryLimit125() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(1), wallSeconds: 1, peakRSSBytes: 100 << 20),
            capture: ended(exception: "MemoryError"), limits: .init(memoryLimitBytes: limit))
        #expect(decision == .init(verdict: .memoryLimit, exitStatus: 125))
    }

    @Test func memoryErrorWithoutALimitIsAnOrdinaryError() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .exited(1), wallSeconds: 1), capture: ended(exception: "MemoryError"),
            limits: .init())
        #expect(decision == .init(verdict: .error, exitStatus: 1))
    }

    @Test func abortNearTheLimitIsMemoryLimitButFarBelowItIsACrash() {
        let near = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(SIGABRT), wallSeconds: 1, peakRSSBytes: Int64(limit) - (8 << 20)),
            capture: RunCapture(), limits: .init(memoryLimitBytes: limit))
        #expect(near == .init(verdict: .memoryLimit, exitStatus: 125))
        let far = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(SIGABRT), wallSeconds: 1, peakRSSBytes: 30 << 20),
            capture: RunCapture(), limits: .init(memoryLimitBytes: limit))
        #expect(far == .init(verdict: .crash, exitStatus: 134))
    }

    @Test func forwardedSigtermIsInterruptedButAnUnaskedSigtermIsACrash() {
        let forwarded = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(SIGTERM), wallSeconds: 1, forwardedSignal: SIGTERM),
            capture: RunCapture(), limits: .init())
        #expect(forwarded == .init(verdict: .interrupted, exitStatus: 143))
        let fromElsewhere = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(SIGTERM), wallSeconds: 1), capture: RunCapture(), limits: .init())
        #expect(fromElsewhere == .init(verdict: .crash, exitStatus: 143))
    }

    @Test func timeoutWinsOverTheMemoryLimit() {
        let decision = RunVerdict.decide(
            outcome: ChildOutcome(ending: .signaled(SIGKILL), wallSeconds: 9, peakRSSBytes: Int64(limit),
                                  deadlineExpired: true, killedBySupervisor: true),
            capture: RunCapture(), limits: .init(timeoutRequested: true, memoryLimitBytes: limit))
        #expect(decision == .init(verdict: .timeout, exitStatus: 124))
    }

    @Test func interferenceDiagnosticsSayWhatTheTargetTookAway() {
        var start = InstrumentState()
        start.gcCallback = true
        start.tracemalloc = true
        start.profile = true
        start.closedFds = []
        start.cwd = "/home/u"
        start.signalHandlers = ["SIGINT"]
        var end = start
        end.gcCallback = false
        end.tracemalloc = false
        end.profile = false
        end.stdoutReplaced = true
        end.closedFds = [2]
        end.cwd = "/tmp"
        end.signalHandlers = ["SIGINT", "SIGTERM"]
        var capture = ended(instruments: InstrumentStates(start: start, end: end))
        capture.targetActions = ["os.fork", "sys.setprofile"]
        let messages = TargetInterference.diagnostics(capture: capture).map(\.message)
        #expect(messages.count == 9)
        #expect(messages.contains { $0.contains("removed pyinspect's gc callback") })
        #expect(messages.contains { $0.contains("stopped tracemalloc") })
        #expect(messages.contains { $0.contains("sys.setprofile(None)") })
        #expect(messages.contains { $0.contains("replaced sys.stdout;") })
        #expect(messages.contains { $0.contains("closed fd 2;") })
        #expect(messages.contains { $0.contains("changed directory to /tmp") })
        #expect(messages.contains { $0.contains("signal handlers: SIGTERM;") })
        #expect(messages.contains { $0.contains("forked (os.fork)") })
    }

    @Test func untouchedInstrumentsGiveNoDiagnostics() {
        var state = InstrumentState()
        state.gcCallback = true
        state.closedFds = []
        state.cwd = "/x"
        #expect(TargetInterference.diagnostics(capture: ended(instruments: .init(start: state, end: state))).isEmpty)
    }

    @Test func recordsFromAForkedChildAreSetAside() throws {
        let path = NSTemporaryDirectory() + "pyinspect-capture-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [
            #"{"record":"start","pid":100,"python":null}"#,
            #"{"record":"end","pid":200,"reason":"exit","threads":[],"exception":{"type":"SystemExit","message":"9"}}"#,
            #"{"record":"target_action","action":"os.fork","pid":100}"#,
            #"{"record":"end","pid":100,"reason":"exit","threads":[],"exception":null}"#,
            "not json",
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let capture = RunCapture.read(path: path)
        #expect(capture.pid == 100)
        #expect(capture.end?.exception == nil)
        #expect(capture.foreignRecords == 1)
        #expect(capture.targetActions == ["os.fork"])
        #expect(capture.unreadableLines == 1)
    }

    @Test func osExitRecordGivesTheStackWhereItWasCalled() throws {
        var capture = RunCapture()
        capture.started = true
        capture.pid = 7
        capture.osExit = .init(code: 3, thread: 1, frames: [StackFrame(file: "/a.py", line: 8, function: "leave")])
        let report = RunReportBuilder.build(
            request: RunRequest(target: RunTarget(kind: .script, value: "/a.py")),
            outcome: ChildOutcome(ending: .exited(3), wallSeconds: 0.1), capture: capture, faultHandlerText: "")
        #expect(report.verdict == .error && report.exitStatus == 3)
        #expect(report.stacks?.first?.frames.first?.function == "leave")
        #expect(report.findings.map(\.kind) == ["os_exit"])
        #expect(!report.diagnostics.contains { $0.message.contains("without finalizing") })
    }
}
