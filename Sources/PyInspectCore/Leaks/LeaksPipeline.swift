import FoundationEssentials
import Glibc

/// `pyinspect leaks`, parent side: the hunt runs in a supervised child; the report and exit status here.
public enum LeaksPipeline {
    public enum Result {
        case report(Report)
        /// Not run (not found, syntax error, internal): the one-line reason is already on stderr.
        case notRun(status: Int32)
    }

    /// Runs the hunt and builds the report; writes nothing but one-line errors.
    public static func inspect(_ request: LeaksRequest) -> Result {
        var request = request
        if request.kind == .file { request.value = absolutePath(request.value) }
        guard let start = PipelineStart.make() else { return .notRun(status: ExitStatus.internalError) }
        let (helper, workspace) = (start.helper, start.workspace)
        defer { workspace.remove() }
        let resultPath = workspace.directory + "/leaks.json"
        let outcome: ChildOutcome
        do {
            outcome = try Supervisor.run(limits: Supervisor.Limits(killAfterSeconds: request.timeoutSeconds)) {
                LeakHuntChild.run(request: request, helper: helper, resultPath: resultPath)
            }
        } catch {
            writeError("\(error)")
            return .notRun(status: ExitStatus.internalError)
        }
        guard let data = FileManager.default.contents(atPath: resultPath),
            let child = try? JSONDecoder().decode(LeakChildResult.self, from: data)
        else {
            if let signal = interruptingSignal(outcome) {
                // Stopped before the child could write anything (while Python started): still a report.
                return .report(build(request: request, child: LeakChildResult(interrupted: signal), outcome: outcome))
            }
            if outcome.deadlineExpired {
                writeError("the hunt did not finish within --timeout \(request.timeoutSeconds ?? 0) s (a call that never returns?)")
                return .notRun(status: ExitStatus.timeout)
            }
            if case .signaled(let signal) = outcome.ending {
                writeError("the target was killed by signal \(signal) during the hunt")
                return .notRun(status: ExitStatus.killedBySignal(signal))
            }
            writeError("the leak hunt ended without a result (\(outcome.ending))")
            return .notRun(status: ExitStatus.internalError)
        }
        switch child.problem {
        case "not_found":
            writeError(child.message ?? "target not found")
            return .notRun(status: ExitStatus.targetNotFound)
        case "syntax_error":
            writeError(child.message ?? "syntax error")
            return .notRun(status: ExitStatus.targetSyntaxError)
        case "usage":  // the function needs arguments leaks does not pass
            writeError(child.message ?? "the function cannot be called with no arguments")
            return .notRun(status: ExitStatus.usage)
        case "internal":
            writeError(child.message ?? "the leak hunt failed")
            return .notRun(status: ExitStatus.internalError)
        default: break
        }
        return .report(build(request: request, child: child, outcome: outcome))
    }

    /// The child died of Ctrl-C, or of the SIGTERM/SIGHUP pyinspect passed on: the user stopped it.
    static func interruptingSignal(_ outcome: ChildOutcome) -> Int32? {
        guard case .signaled(let signal) = outcome.ending else { return nil }
        return signal == SIGINT || signal == outcome.forwardedSignal ? signal : nil
    }

    static func build(request: LeaksRequest, child: LeakChildResult, outcome: ChildOutcome) -> Report {
        let raised = child.problem == "raised"
        var verdict: Verdict = raised ? .error : (child.leaks.isEmpty ? .clean : .leak)
        var status = raised ? ExitStatus.targetRaised : (child.leaks.isEmpty ? ExitStatus.success : ExitStatus.leakFound)
        if let signal = child.interrupted {
            verdict = .interrupted
            status = signal == SIGINT ? ExitStatus.interrupted : ExitStatus.killedBySignal(signal)
        }
        var report = Report(command: "leaks", verdict: verdict, exitStatus: status)
        report.target = TargetInfo(kind: "function", value: "\(request.value):\(request.function)", arguments: [])
        report.python = child.python
        report.wallS = outcome.wallSeconds
        report.cpuS = outcome.userCPUSeconds + outcome.systemCPUSeconds
        report.cpuUserS = outcome.userCPUSeconds
        report.cpuSystemS = outcome.systemCPUSeconds
        report.peakRssBytes = outcome.peakRSSBytes
        report.exception = child.exception
        report.leaks = child.leaks
        report.leakHunt = child.hunt
        if raised, let message = child.message {
            report.diagnostics.append(Diagnostic(.error, message))
        }
        if let signal = child.interrupted {
            report.diagnostics.append(Diagnostic(.warning, interruptedMessage(signal: signal, hunt: child.hunt)))
        }
        return report
    }

    static func interruptedMessage(signal: Int32, hunt: LeakHuntSection?) -> String {
        guard let hunt else {
            return "interrupted by \(signalName(signal)) before the first measured call: nothing was measured"
        }
        let undecided = hunt.signals.filter { $0.trend == .undecided }.map(\.name)
        return "interrupted by \(signalName(signal)) after \(hunt.warmupCalls) warm-up + \(hunt.calls) measured call\(hunt.calls == 1 ? "" : "s"): the series so far are in leak_hunt"
            + (undecided.isEmpty ? "" : "; undecided: \(undecided.joined(separator: ", "))")
    }

    /// The CLI: hunt, then the summary on stderr, `--json`, `--junit`, `--html`; returns the exit status.
    public static func execute(_ request: LeaksRequest) -> Int32 {
        var request = request
        request.jsonPath = request.jsonPath.map { $0 == "-" ? $0 : absolutePath($0) }
        request.junitPath = request.junitPath.map(absolutePath)
        request.htmlPath = request.htmlPath.map(absolutePath)
        let report: Report
        switch inspect(request) {
        case .notRun(let status): return status
        case .report(let made): report = made
        }
        if !request.quiet {
            writeStandardError(LeaksSummary.render(report))
        }
        do {
            if let path = request.jsonPath { try ReportJSON.write(report, to: path) }
            if let path = request.junitPath {
                try JUnitReport.write(suite: "pyinspect leaks", cases: [LeaksSummary.junitCase(report)], to: path)
            }
            if let path = request.htmlPath {
                try Data(LeaksHTMLReport.render(report).utf8).write(to: URL(fileURLWithPath: path))
            }
        } catch {
            writeError("\(error)")
            return ExitStatus.internalError
        }
        return report.exitStatus
    }
}
