import FoundationEssentials
import Glibc

/// `pyinspect run`, parent side: supervise the target in a child, then turn what was measured into the
/// report and the exit status.
public enum RunPipeline {
    /// Seconds the supervisor waits past `--timeout` for the target's own watchdog before SIGKILL.
    static let timeoutGraceSeconds = 5.0

    /// What one inspected run produced.
    public enum Result {
        /// The target ran (to its end or not): the report, and the raw GIL capture when tracing was on.
        case report(Report, gil: GILCapture?)
        /// The target never ran (missing, syntax error, pyinspect could not start): the exit status; the
        /// one-line reason is already on stderr.
        case notRun(status: Int32)
    }

    /// Runs the target under the supervisor and builds its report; writes nothing but one-line errors.
    public static func inspect(_ request: RunRequest) -> Result {
        var request = request
        // Before the fork: the target may change directory, and the user meant the directory they typed in.
        request.jsonPath = request.jsonPath.map { $0 == "-" ? $0 : absolutePath($0) }
        guard let start = PipelineStart.make() else { return .notRun(status: ExitStatus.internalError) }
        let (helper, workspace) = (start.helper, start.workspace)
        defer { workspace.remove() }
        let childDirectory = ChildProcessDirectory.prepare(workspace: workspace, helper: helper, request: request)
        switch ControlListener.open(for: request) {
        case .failure(let failure): return .notRun(status: failure.status)
        case .success(let listener):
            request.controlListenFD = listener?.fd ?? -1
            request.controlSocketPath = listener?.path
        }
        defer { ControlListener.close(fd: request.controlListenFD, path: request.controlSocketPath) }
        if let address = request.metricsAddress {  // run --metrics
            switch MetricsListener.open(address) {
            case .failure(let error):
                writeError(error.message)
                return .notRun(status: error.status)
            case .success(let listening): request.metricsListening = listening
            }
        }
        defer { if let fd = request.metricsListening?.fd { close(fd) } }
        let outcome: ChildOutcome
        do {
            let limits = Supervisor.Limits(
                killAfterSeconds: request.timeoutSeconds.map { $0 + timeoutGraceSeconds }, childStacksDirectory: childDirectory)
            outcome = try Supervisor.run(limits: limits) {
                EmbeddedTarget.run(request: request, helper: helper, workspace: workspace)
            }
        } catch {
            writeError("\(error)")
            return .notRun(status: ExitStatus.internalError)
        }
        let capture = RunCapture.read(path: workspace.capturePath)
        if !capture.started, case .exited(let code) = outcome.ending,
            [ExitStatus.targetSyntaxError, ExitStatus.targetNotFound, ExitStatus.internalError].contains(code)
        {
            // The child already printed the one-line reason; there is no run to report.
            return .notRun(status: code)
        }
        let timeoutStacks = (try? String(contentsOfFile: workspace.timeoutStacksPath, encoding: .utf8)) ?? ""
        let fatalStacks = (try? String(contentsOfFile: workspace.fatalStacksPath, encoding: .utf8)) ?? ""
        let gil = request.gil != nil ? GILCapture.read(capturePath: workspace.capturePath) : nil
        let profile = request.profile != nil ? ProfileCapture.read(capturePath: workspace.capturePath) : nil
        let children = childDirectory.map { ChildProcessSettle.read(directory: $0) }
        let report = RunReportBuilder.build(
            request: request, outcome: outcome, capture: capture, faultHandlerText: timeoutStacks,
            fatalSignalText: fatalStacks, gil: gil, children: children, profile: profile)
        var finished = ChildStacks.add(
            to: report, directory: childDirectory, outcome: outcome, threadNames: { children?.threadNames(of: $0) ?? [:] })
        if let scope = request.deps { DepsRun.add(to: &finished, factsPath: workspace.depsFactsPath, scope: scope) }
        if let metrics = request.metricsListening {  // run --metrics
            finished.metrics = MetricsSection(address: metrics.address, scrapes: metrics.counter.value)
        }
        return .report(finished, gil: gil)
    }

    /// The CLI: inspect, then the summary on stderr, `--json` and `--html` files; returns the exit status.
    public static func execute(_ request: RunRequest) -> Int32 {
        var request = request
        request.jsonPath = request.jsonPath.map { $0 == "-" ? $0 : absolutePath($0) }
        request.junitPath = request.junitPath.map(absolutePath)
        request.htmlPath = request.htmlPath.map(absolutePath)
        request.profile = request.profile?.absolutePaths(absolutePath)
        if var gil = request.gil, let html = gil.htmlPath {
            gil.htmlPath = absolutePath(html)
            request.gil = gil
        }
        let report: Report
        let gil: GILCapture?
        switch inspect(request) {
        case .notRun(let status): return status
        case .report(let made, let capture):
            report = made
            gil = capture
        }
        if !request.quiet {
            writeStandardError(RunSummary.render(report))
        }
        if let path = request.jsonPath {
            do {
                try ReportJSON.write(report, to: path)
            } catch {
                writeError("\(error)")
                return ExitStatus.internalError
            }
        }
        if let path = request.junitPath {
            do {
                try JUnitReport.write(suite: "pyinspect \(report.command)", cases: [JUnitReport.testCase(for: report)], to: path)
            } catch {
                writeError("cannot write \(path): \(error)")
                return ExitStatus.internalError
            }
        }
        if let path = request.htmlPath {
            do {
                try Data(RunHTMLReport.render(report, gil: gil).utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                writeError("cannot write \(path): \(error)")
                return ExitStatus.internalError
            }
        }
        if let failure = GILRun.writeOutputs(request: request, report: report, capture: gil) {
            writeError(failure)
            return ExitStatus.internalError
        }
        if let options = request.profile {
            let failures = ProfileRun.writeExports(options: options, report: report)
            failures.forEach(writeError)
            if !failures.isEmpty { return ExitStatus.internalError }
        }
        return report.exitStatus
    }
}

/// A private temporary directory for one run's capture files.
struct CaptureWorkspace {
    let directory: String
    var capturePath: String { directory + "/capture.jsonl" }
    /// faulthandler-style stacks the timeout watchdog writes.
    var timeoutStacksPath: String { directory + "/timeout.stacks" }
    /// faulthandler-style stacks the fatal-signal handler writes (crash, SIGTERM).
    var fatalStacksPath: String { directory + "/fatal.stacks" }
    /// `deps`: what deps.py saved at the target's end.
    var depsFactsPath: String { directory + "/deps.json" }

    static func create() throws -> CaptureWorkspace {
        let base = environmentValue("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/pyinspect.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard let made else {
            throw ReportWriteError(path: base, reason: "cannot create a capture directory")
        }
        // Absolute, so a target that changes directory still writes its records here (TMPDIR may be relative).
        return CaptureWorkspace(directory: absolutePath(String(cString: made)))
    }

    func remove() {
        if environmentValue("PYINSPECT_KEEP_CAPTURE") != nil {
            writeError("capture kept in \(directory)")
            return
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `path` made absolute against the current directory (no symlinks resolved: the user's spelling is kept).
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    let cwd = FileManager.default.currentDirectoryPath
    return PathText.appending(path, to: cwd)
}
