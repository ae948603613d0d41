/// The profile's lines in the terminal summary: top functions by self and by total time with their
/// cpu / gil_wait / off_cpu split, then the hottest lines of the user's own code.
public enum ProfileSummary {
    public static func lines(_ section: ProfileSection, limit: Int = 10) -> [String] {
        var lines = ["  profile: \(section.samples) samples at \(formatRate(section.rateHz)) Hz, \(section.activeSamples) active (cpu or gil_wait)"
            + (section.droppedSamples > 0 ? " (\(section.droppedSamples) dropped)" : "")
            + ", \(section.threads.count) thread\(section.threads.count == 1 ? "" : "s")"
            + (section.tasks.isEmpty ? "" : ", \(section.tasks.count) asyncio task\(section.tasks.count == 1 ? "" : "s")")]
        guard section.activeSamples > 0 else { return lines }
        let header = "      self   total    cpu  gil_wait  off_cpu  function"
        lines.append("    top functions by self time:")
        lines.append(header)
        for function in section.functions.filter({ $0.selfFraction > 0 }).prefix(limit) { lines.append(row(function)) }
        lines.append("    top functions by total time:")
        lines.append(header)
        let byTotal = section.functions.sorted { $0.totalFraction != $1.totalFraction ? $0.totalFraction > $1.totalFraction : $0.selfFraction > $1.selfFraction }
        for function in byTotal.prefix(limit) { lines.append(row(function)) }
        if section.threads.count > 1 {
            lines.append("    threads:")
            for thread in section.threads.prefix(limit) {
                lines.append("      \(percent(thread.cpuFraction)) cpu \(percent(thread.gilWaitFraction)) gil_wait \(percent(thread.offCPUFraction)) off_cpu  \(thread.name) (\(thread.samples) samples)")
            }
        }
        if !section.tasks.isEmpty {
            lines.append("    asyncio tasks:")
            for task in section.tasks.prefix(limit) {
                lines.append("      \(percent(task.totalFraction))  '\(task.name)'\(task.coroutine.map { " (\($0))" } ?? "")")
            }
        }
        if !section.lines.isEmpty {
            lines.append("    hottest lines of your code:")
            for line in section.lines.prefix(limit) {
                lines.append("      \(percent(line.fraction))  \(PathText.lastComponent(line.file)):\(line.line) in \(line.function)"
                    + "  (\(split(cpu: line.cpuFraction, gilWait: line.gilWaitFraction, offCPU: line.offCPUFraction)))")
            }
        }
        return lines
    }

    static func row(_ function: ProfileFunction) -> String {
        "    \(percent(function.selfFraction)) \(percent(function.totalFraction)) \(percent(function.cpuFraction))"
            + "    \(percent(function.gilWaitFraction))   \(percent(function.offCPUFraction))  "
            + "\(function.function)  \(PathText.lastComponent(function.file)):\(function.line)"
    }

    static func split(cpu: Double, gilWait: Double, offCPU: Double) -> String {
        var parts: [String] = []
        if cpu > 0 { parts.append("cpu \(Int((cpu * 100).rounded()))%") }
        if gilWait > 0 { parts.append("gil_wait \(Int((gilWait * 100).rounded()))%") }
        if offCPU > 0 { parts.append("off_cpu \(Int((offCPU * 100).rounded()))%") }
        return parts.joined(separator: ", ")
    }

    /// "42.0%" right-aligned in 6 columns.
    static func percent(_ fraction: Double) -> String {
        String(format: "%5.1f%%", fraction * 100)
    }

    static func formatRate(_ rate: Double) -> String {
        rate == rate.rounded() ? "\(Int(rate))" : String(format: "%.1f", rate)
    }
}
