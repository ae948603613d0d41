import FoundationEssentials
import Glibc

/// Everything `pyinspect deps` was asked to do.
public struct DepsRequest: Sendable {
    /// nil: read the environment the target would see, run nothing of the user's.
    public var target: RunTarget?
    public var jsonPath: String?
    public var htmlPath: String?
    public var quiet: Bool
    public var timeoutSeconds: Double?
    /// `--junit FILE`: one test case, failed unless clean.
    public var junitPath: String?
    public init(target: RunTarget?, jsonPath: String? = nil, htmlPath: String? = nil, quiet: Bool = false,
                timeoutSeconds: Double? = nil) {
        self.target = target
        self.jsonPath = jsonPath
        self.htmlPath = htmlPath
        self.quiet = quiet
        self.timeoutSeconds = timeoutSeconds
    }
}

/// `pyinspect deps`: the run pipeline (same supervision, same exit statuses) with deps.py's recorder on, then
/// the summary on stderr, `--json` and `--html`.
public enum DepsPipeline {
    public static func execute(_ request: DepsRequest) -> Int32 {
        var run = RunRequest(
            target: request.target ?? RunTarget(kind: .code, value: "pass"), timeoutSeconds: request.timeoutSeconds,
            jsonPath: request.jsonPath.map { $0 == "-" ? $0 : absolutePath($0) }, quiet: request.quiet)
        run.command = "deps"
        run.deps = request.target == nil ? .environment : .target
        run.noHangMonitor = request.target == nil
        let htmlPath = request.htmlPath.map(absolutePath)
        let report: Report
        switch RunPipeline.inspect(run) {
        case .notRun(let status): return status
        case .report(let made, _): report = made
        }
        if !request.quiet { writeStandardError(DepsSummary.render(report)) }
        if let path = run.jsonPath {
            do {
                try ReportJSON.write(report, to: path)
            } catch {
                writeError("\(error)")
                return ExitStatus.internalError
            }
        }
        if let path = request.junitPath.map(absolutePath) {
            do {
                try JUnitReport.write(suite: "pyinspect deps", cases: [JUnitReport.testCase(for: report)], to: path)
            } catch {
                writeError("cannot write \(path): \(error)")
                return ExitStatus.internalError
            }
        }
        if let path = htmlPath {
            do {
                try Data(RunHTMLReport.render(report).utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                writeError("cannot write \(path): \(error)")
                return ExitStatus.internalError
            }
        }
        return report.exitStatus
    }
}

/// The few lines `deps` prints on stderr.
enum DepsSummary {
    static func render(_ report: Report) -> String {
        var text = "pyinspect deps: \(report.verdict.rawValue) (exit \(report.exitStatus))"
        if let deps = report.deps {
            text += ": \(deps.distributions) distributions, \(deps.requirementsChecked) requirements checked"
            if deps.targetRan { text += ", \(deps.modules.count) modules imported" }
        }
        text += "\n"
        for finding in report.findings {
            let mark = finding.imported == true ? " [imported]" : ""
            text += "  \(finding.kind)\(mark): \(finding.message)\n"
        }
        for diagnostic in report.diagnostics {
            text += "  \(diagnostic.level.rawValue): \(diagnostic.message)\n"
        }
        return text
    }
}
