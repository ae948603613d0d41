import FoundationEssentials
import Glibc

/// The terminal summary of `pyinspect leaks`, read top-down: the verdict, then each leak with its site and chain.
public enum LeaksSummary {
    public static func render(_ report: Report) -> String {
        var lines: [String] = []
        let target = report.target.map(\.value) ?? "target"
        let hunt = report.leakHunt
        let calls = hunt.map { " after \($0.warmupCalls) warm-up + \($0.calls) measured calls" } ?? ""
        switch report.verdict {
        case .clean:
            lines.append("pyinspect leaks: CLEAN — \(printable(target, limit: 200))\(calls)")
        case .leak:
            let count = report.leaks?.count ?? 0
            lines.append("pyinspect leaks: LEAK — \(printable(target, limit: 200)): \(count) leak\(count == 1 ? "" : "s")\(calls)")
        case .interrupted:
            lines.append("pyinspect leaks: INTERRUPTED — \(printable(target, limit: 200))\(calls)")
            lines += report.diagnostics.filter { $0.level == .warning }.map { "  \(printable($0.message, limit: 300))" }
        default:
            lines.append("pyinspect leaks: \(report.verdict.rawValue.uppercased()) — \(printable(target, limit: 200))")
        }
        if let exception = report.exception {
            lines.append("  the target raised \(exception.type): \(printable(exception.message, limit: 300))")
            for frame in (exception.stack ?? []).prefix(8) {
                lines.append("    \(printable(frame.file, limit: 200)):\(frame.line) in \(printable(frame.function, limit: 80))")
            }
        }
        for (index, leak) in (report.leaks ?? []).enumerated() {
            lines.append("")
            var head = "  [\(index + 1)] \(leak.kind)"
            if leak.objectsPerCall > 0 { head += ", \(format(leak.objectsPerCall)) objects/call" }
            if leak.bytesPerCall > 0 { head += ", \(format(leak.bytesPerCall)) bytes/call" }
            lines.append(head)
            if let message = leak.message, !message.isEmpty { lines.append("      \(printable(message, limit: 300))") }
            if let site = leak.site {
                let code = leak.traceback.first { $0.file == site.file && $0.line == site.line }?.code ?? ""
                lines.append("      site: \(printable(site.file, limit: 200)):\(site.line)  \(printable(code, limit: 120))")
            }
            if let stored = leak.storedAt {
                let code = leak.storedTraceback?.first { $0.file == stored.file && $0.line == stored.line }?.code ?? ""
                lines.append("      stored at: \(printable(stored.file, limit: 200)):\(stored.line)  \(printable(code, limit: 120))")
            }
            if leak.traceback.count > 1 {
                lines.append("      traceback (innermost first):")
                for frame in leak.traceback.prefix(8) {
                    let function = frame.function.isEmpty ? "" : " in \(printable(frame.function, limit: 60))"
                    let code = frame.code.map { "  \(printable($0, limit: 100))" } ?? ""
                    lines.append("        \(printable(frame.file, limit: 200)):\(frame.line)\(function)\(code)")
                }
            }
            if !leak.types.isEmpty {
                let types = leak.types.prefix(5).map { "\(printable($0.name, limit: 60)) +\(format($0.perCall))/call" }
                lines.append("      types: \(types.joined(separator: ", "))")
            }
            if !leak.chain.isEmpty {
                lines.append("      kept alive by:")
                for step in leak.chain {
                    let via = step.via.isEmpty ? "" : "\(printable(step.via, limit: 60)) → "
                    lines.append("        \(via)\(printable(step.type, limit: 60))  \(printable(step.repr, limit: 100))")
                }
            }
        }
        for bounded in report.leakHunt?.bounded ?? [] {
            lines.append("")
            lines.append("  bounded: fills to \(bounded.bound) — \(printable(bounded.holder, limit: 120)) holds \(bounded.size) "
                + "now; a cache filling, not a leak")
            if let site = bounded.site { lines.append("      filled from: \(printable(site.file, limit: 200)):\(site.line)") }
            if !bounded.chain.isEmpty {
                lines.append("      " + bounded.chain.prefix(4).map { step in
                    (step.via.isEmpty ? "" : "\(printable(step.via, limit: 40)) → ") + printable(step.type, limit: 60)
                }.joined(separator: " "))
            }
        }
        if let hunt {
            let growing = hunt.signals.filter { $0.trend == .growing }.map(\.name)
            lines.append("")
            lines.append("  signals: " + hunt.signals.map { "\($0.name) \($0.trend.rawValue)" }.joined(separator: ", ")
                + (growing.isEmpty ? "" : "") + String(format: "; %.3f s in the target", hunt.targetSeconds))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }

    /// The JUnit case: fails unless clean.
    public static func junitCase(_ report: Report) -> JUnitReport.Case {
        let name = report.target.map(\.value) ?? "leaks"
        let failure: String?
        switch report.verdict {
        case .clean: failure = nil
        case .leak:
            failure = (report.leaks ?? []).map { leak in
                "\(leak.kind) leak" + (leak.site.map { " at \($0.file):\($0.line)" } ?? "")
            }.joined(separator: "; ")
        default: failure = "\(report.verdict.rawValue): \(report.exception.map { "\($0.type): \($0.message)" } ?? "")"
        }
        return JUnitReport.Case(
            name: name, className: "pyinspect.leaks", seconds: report.wallS ?? 0, failure: failure,
            failureDetail: render(report))
    }
}
