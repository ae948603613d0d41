import FoundationEssentials
import Glibc

/// What `pyinspect deps` looks at: the environment alone (no target), or a target run as under `run`.
public enum DepsScope: Sendable, Equatable {
    case environment
    case target
}

/// `deps`, parent side: reads what deps.py saved, adds the section and the findings to the run's report, and
/// decides the exit status.
enum DepsRun {
    static func add(to report: inout Report, factsPath: String, scope: DepsScope) {
        if scope == .environment {
            // Only the environment was read: the `-c pass` that read it is not the user's target.
            report.target = nil
            report.targetExit = nil
            report.threads = []
        }
        guard let facts = read(factsPath) else {
            report.diagnostics.append(Diagnostic(
                .warning, "no dependency facts: the target ended before they were saved (os._exit, a crash or a kill)"))
            return
        }
        if let error = facts.error {
            report.diagnostics.append(Diagnostic(.error, "cannot read the environment: \(error)"))
            report.verdict = .error
            report.exitStatus = ExitStatus.internalError
            return
        }
        let result = DepsAnalysis.analyze(facts, targetRan: scope == .target)
        report.deps = result.section
        report.findings = result.findings + report.findings
        report.diagnostics += result.diagnostics
        decide(&report, hasConflict: result.hasConflict)
    }

    /// A conflict makes it 1 when the target ended by itself (else pyinspect's own status stands: timeout,
    /// deadlock, memory limit, interrupted, killed); without a conflict the target's own status stands.
    static func decide(_ report: inout Report, hasConflict: Bool) {
        guard hasConflict else { return }
        switch report.verdict {
        case .clean, .finding:
            report.verdict = .finding
            report.exitStatus = ExitStatus.dependencyConflict
        case .error:
            report.exitStatus = ExitStatus.dependencyConflict
        default:
            break
        }
    }

    static func read(_ path: String) -> DepsFacts? {
        guard let data = FileManager.default.contents(atPath: path),
            let parsed = CaptureJSON.parse(ArraySlice([UInt8](data)))
        else { return nil }
        return try? CaptureDecoder.decode(DepsFacts.self, from: parsed)
    }
}
