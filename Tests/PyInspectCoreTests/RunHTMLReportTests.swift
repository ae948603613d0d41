@testable import PyInspectCore
import Testing

/// `run --html` from hand-made reports: a part per section that is present and only those, in a fixed order,
/// and target text escaped everywhere.
@Suite struct RunHTMLReportTests {
    static let hostile = "<script>pyinspectPwned(1)</script>\"'&"

    func report() -> Report {
        var report = Report(command: "run", verdict: .deadlock, exitStatus: 123)
        report.target = TargetInfo(kind: "script", value: "app.py", arguments: [Self.hostile])
        report.wallS = 1.5
        report.cpuS = 0.25
        report.peakRssBytes = 30 << 20
        report.threads = [ThreadInfo(name: Self.hostile, ident: nil, nativeId: 7, daemon: false, startedS: 0, endedS: nil)]
        var finding = Finding(kind: "deadlock", message: "waits for \(Self.hostile)")
        finding.stack = [StackFrame(file: "app.py", line: 3, function: Self.hostile, code: "lock.acquire()")]
        finding.cycle = ["one", "two", "one"]
        report.findings = [finding]
        report.diagnostics = [Diagnostic(.note, Self.hostile)]
        return report
    }

    @Test func partsFollowTheSectionsPresent() {
        let parts = RunHTMLReport.parts(report(), gil: nil).map(\.id)
        #expect(parts == ["findings", "threads", "diagnostics"])
        var more = report()
        more.gc = GCSummary(collections: [3, 1, 0], collected: 10, uncollectable: 0, pauseTotalS: 0.001, pauseMaxS: 0.001)
        more.exception = ExceptionInfo(type: "ValueError", module: "builtins", message: Self.hostile)
        more.allocations = AllocationSection(
            sampleBytes: 1, exact: true, samples: 1, allocatedBytes: 64, peakBytes: 64, liveBytesAtExit: 0, sites: [],
            siteCount: 0)
        #expect(RunHTMLReport.parts(more, gil: nil).map(\.id) == ["exception", "findings", "threads", "gc", "allocations", "diagnostics"])
    }

    @Test func targetTextIsEscapedEverywhere() {
        let html = RunHTMLReport.render(report())
        #expect(!html.contains("<script>"))
        #expect(!html.contains(Self.hostile))
        #expect(html.contains(HTMLEscaping.text("<script>pyinspectPwned(1)</script>")))
        #expect(html.contains("default-src 'none'"), "no script or network can run")
        #expect(html.contains("<strong>deadlock</strong>"))
        #expect(html.contains("<section id=\"findings\"><h2>Findings (1)</h2>"))
        #expect(html.contains("<code>one</code> → <code>two</code> → <code>one</code>"))
    }

    @Test func childProcessesGetTheirOwnPartWithHostileCommandsEscaped() {
        var report = report()
        var worker = ProcessReport(pid: 42, command: "python -c \(Self.hostile)", role: "multiprocessing worker",
            startMethod: "spawn", verdict: "crash")
        worker.parentPid = 41
        worker.signalName = "SIGKILL"
        worker.peakRssBytes = 3 << 20
        worker.findings = [Finding(kind: "still_running", message: Self.hostile)]
        report.processes = [worker]
        #expect(RunHTMLReport.parts(report, gil: nil).map(\.id) == ["findings", "threads", "processes", "diagnostics"])
        let html = RunHTMLReport.render(report)
        #expect(!html.contains(Self.hostile))
        #expect(html.contains("<h2>Processes (1)</h2>"))
        #expect(html.contains("<td>multiprocessing worker</td><td>spawn</td><td>crash</td><td>SIGKILL</td>"))
        #expect(html.contains("3.0 MiB"))
    }
}
