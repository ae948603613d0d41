import FoundationEssentials
import Glibc

/// `compare`'s terminal output: the recommendation and its reason first, then a table of the modes.
public enum CompareSummary {
    public static func render(_ report: Report) -> String {
        guard let section = report.compare else {
            var lines = ["pyinspect compare: \(report.verdict.rawValue) — exit status \(report.exitStatus)"]
                + report.diagnostics.filter { $0.level == .warning }.map { "  \($0.message)" }
            if let exception = report.exception {
                lines.append("  the target raised \(exception.type): \(exception.message)")
                for frame in report.stacks?.first?.frames.prefix(6) ?? [] {
                    lines.append("    \(frame.file):\(frame.line) in \(frame.function)")
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }
        var lines = report.verdict == .interrupted
            ? ["pyinspect compare: INTERRUPTED — exit status \(report.exitStatus)"]
                + report.diagnostics.filter { $0.level == .warning }.map { "  \($0.message)" } : []
        let complete = report.verdict != .interrupted || section.modes.count == 3
        lines += [
            complete ? "pyinspect compare: use \(section.recommendation) — \(section.reason)"
                : "pyinspect compare: no recommendation — \(section.reason)",
            "  \(section.target): \(section.tasks) tasks, \(section.workers) workers, \(section.startMethod), "
                + "\(section.rounds) rounds (medians)",
            "  mode          wall s    cpu s  speedup  per worker  cores busy  start-up s   pickled    peak RSS  cores free",
        ]
        for name in ["serial", "threads", "processes"] {
            guard let mode = section.modes[name] else { continue }
            lines.append(
                "  " + name.padded(toLength: 10)
                    + String(format: "%9.3f %8.3f %7.2fx %10.2f %10.2f", mode.wallS, mode.cpuS, mode.speedup, mode.efficiency, mode.parallelism)
                    + (mode.startupS.map { String(format: " %11.3f", $0) } ?? "           -")
                    + formatBytes(mode.pickledBytes).rightAligned(10) + formatBytes(mode.peakRssBytes).rightAligned(12)
                    + (mode.coresFree.map { String(format: " %11.1f", $0) } ?? "           -"))
        }
        if let cores = section.cores {
            // What the machine left us: a busy machine changes every speedup above.
            var line = "  machine: \(cores) core\(cores == 1 ? "" : "s") to run on"
            if let load = section.loadAverage1m { line += String(format: ", load average %.2f", load) }
            let delays = ["serial", "threads", "processes"].compactMap { name in
                section.modes[name]?.runDelayS.map { "\(name) \(CompareAnalysis.seconds($0))" }
            }
            if !delays.isEmpty { line += "; waited for a CPU: " + delays.joined(separator: ", ") }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Right-aligned in a column `width` wide (always one space before it).
    fileprivate func rightAligned(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
