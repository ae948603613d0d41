import PyInspectCore
import Testing

/// The terminal summary shows findings and the tasks of a stopped target readably.
@Suite struct RunSummaryHangTests {
    @Test func findingsWithStacksAndTasksAtATimeout() {
        var report = Report(command: "run", verdict: .timeout, exitStatus: 124)
        var slow = Finding(kind: "slow_callback", message: "task 'blocker' blocked the event loop for 0.500 s at /app/x.py:8")
        slow.stack = [StackFrame(file: "/app/x.py", line: 8, function: "blocker")]
        report.findings = [slow]
        report.tasks = [
            TaskReport(name: "heartbeat", thread: "MainThread", site: SourceSite(file: "/app/x.py", line: 7),
                       created: nil, waitsFor: "asyncio.sleep", stack: [])
        ]
        let text = RunSummary.render(report)
        #expect(text.contains("  slow_callback: task 'blocker' blocked the event loop for 0.500 s at /app/x.py:8\n      /app/x.py:8 in blocker\n"))
        #expect(text.contains("  tasks when stopped:\n    'heartbeat' at /app/x.py:7, waiting for asyncio.sleep\n"))
    }

    @Test func aDeadlockListsItsFindingsNotTheTasksAgain() {
        var report = Report(command: "run", verdict: .deadlock, exitStatus: 123)
        report.findings = [Finding(kind: "deadlock", message: "task 'left' waits for asyncio.Lock held by task 'right'")]
        report.tasks = [TaskReport(name: "left", thread: nil, site: nil, created: nil, waitsFor: "x", stack: [])]
        let text = RunSummary.render(report)
        #expect(text.hasPrefix("pyinspect: deadlock"))
        #expect(text.contains("deadlock: task 'left' waits for asyncio.Lock held by task 'right'"))
        #expect(!text.contains("tasks when stopped"))
    }
}
