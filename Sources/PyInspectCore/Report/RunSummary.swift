import FoundationEssentials
import Glibc

/// The short human summary `run` prints to stderr: verdict first, then the figures, then the stacks if any.
public enum RunSummary {
    public static func render(_ report: Report) -> String {
        var lines: [String] = []
        let target = report.target.map { $0.kind == "script" ? $0.value : "\($0.kind == "module" ? "-m " : "-c ")\($0.value)" } ?? ""
        lines.append("pyinspect: \(report.verdict.rawValue) — \(describeEnd(report)) [\(target.prefix(60))]")
        var figures: [String] = []
        if let wall = report.wallS { figures.append(String(format: "wall %.3fs", wall)) }
        if let cpu = report.cpuS { figures.append(String(format: "cpu %.3fs", cpu)) }
        if let rss = report.peakRssBytes { figures.append("peak RSS \(formatBytes(rss))") }
        if let gc = report.gc {
            figures.append("gc \(gc.collections.reduce(0, +)) collections, \(String(format: "%.1f", gc.pauseTotalS * 1000)) ms paused")
        }
        figures.append("\(report.threads.count) thread\(report.threads.count == 1 ? "" : "s")")
        lines.append("  " + figures.joined(separator: ", "))
        if let gil = report.gil { lines.append(contentsOf: GILSummary.lines(gil)) }
        if let allocations = report.allocations { lines.append(contentsOf: AllocationSummary.lines(allocations)) }
        if let processes = report.processes { lines.append(contentsOf: ProcessSummary.lines(processes)) }
        if let profile = report.profile { lines.append(contentsOf: ProfileSummary.lines(profile)) }  // issue 15
        if let queries = report.queries { lines.append(contentsOf: QuerySummary.lines(queries)) }
        for finding in report.findings {
            lines.append("  \(finding.kind): \(finding.message)")
            if finding.kind == "slow_callback" || finding.kind == "deadlock", let stack = finding.stack {
                for frame in stack.prefix(3) { lines.append("      \(frame.file):\(frame.line) in \(frame.function)") }
            }
            if let plan = finding.plan { lines.append(contentsOf: QuerySummary.planLines(plan)) }  // issue 16
        }
        if let tasks = report.tasks, !tasks.isEmpty, report.verdict != .deadlock {
            lines.append("  tasks when stopped:")
            for task in tasks {
                let site = task.site.map { " at \($0.file):\($0.line)" } ?? ""
                lines.append("    '\(task.name)'\(site), waiting for \(task.waitsFor ?? "?")")
            }
        }
        if let stacks = report.stacks {
            lines.append("  stacks when stopped:")
            for stack in stacks {
                lines.append("    \(stack.name)\(stack.nativeId.map { " (native id \($0))" } ?? ""):")
                for frame in stack.frames.prefix(8) {
                    lines.append("      \(frame.file):\(frame.line) in \(frame.function)")
                }
                if stack.frames.count > 8 { lines.append("      … \(stack.frames.count - 8) more") }
            }
        }
        for child in report.childStacks ?? [] {
            lines.append("  process \(child.pid)\(child.role.map { " (\($0))" } ?? ""):")
            for stack in child.threads {
                lines.append("    \(stack.name):")
                for frame in stack.frames.prefix(4) { lines.append("      \(frame.file):\(frame.line) in \(frame.function)") }
                if stack.frames.count > 4 { lines.append("      … \(stack.frames.count - 4) more") }
            }
        }
        for diagnostic in report.diagnostics {
            lines.append("  \(diagnostic.level.rawValue): \(diagnostic.message)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func describeEnd(_ report: Report) -> String {
        switch report.verdict {
        case .timeout:
            // The target waited for a child that can never end (its own watcher found the deadlock).
            let deadlocked = report.findings.filter { $0.kind == "child_deadlock" }.count
            if deadlocked > 0 {
                let what = deadlocked == 1 ? "a child process was" : "\(deadlocked) child processes were"
                return "stopped at the timeout while \(what) deadlocked, exit status \(report.exitStatus)"
            }
            return "stopped at the timeout, exit status \(report.exitStatus)"
        case .interrupted:
            if let signal = report.targetExit?.signal {
                return "stopped by \(signalName(signal)), exit status \(report.exitStatus)"
            }
            return "exit status \(report.exitStatus)"
        case .memoryLimit: return "stopped at the memory limit, exit status \(report.exitStatus)"
        default: break
        }
        if let exit = report.targetExit, let signal = exit.signal {
            return "killed by \(exit.signalName ?? "signal \(signal)"), exit status \(report.exitStatus)"
        }
        if let exception = report.exception {
            return "uncaught \(exception.type), exit status \(report.exitStatus)"
        }
        return "exit status \(report.exitStatus)"
    }
}

public func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(bytes)
    var unit = 0
    while abs(value) >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
