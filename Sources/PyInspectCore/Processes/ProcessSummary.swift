import FoundationEssentials
import Glibc

/// `run`'s summary lines for the target's children: one per group of processes with the same role and start
/// method, e.g. "3 multiprocessing workers (spawn): cpu 2.9 s, peak RSS 31-33 MiB each, all exit 0".
public enum ProcessSummary {
    public static func lines(_ processes: [ProcessReport]) -> [String] {
        var groups: [(key: String, members: [ProcessReport])] = []
        for process in processes {
            let key = process.role + "\u{0}" + process.startMethod + (process.instrumented == false ? "\u{0}bare" : "")
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].members.append(process)
            } else {
                groups.append((key, [process]))
            }
        }
        return groups.flatMap { ["  " + line($0.members)] + gilLines($0.members) + findingLines($0.members) }
    }

    /// `run --gil`: a line when the GIL limited processes of the group (their threads queued for it), naming the
    /// one that held it most; nothing when no process's verdict is about the GIL.
    static func gilLines(_ members: [ProcessReport]) -> [String] {
        let traced = members.filter { $0.gil != nil }
        let limited = traced.filter { $0.gil.map { $0.verdict.kind != "not_gil_bound" } ?? false }
        guard let worst = limited.max(by: { ($0.gil?.heldFraction ?? 0) < ($1.gil?.heldFraction ?? 0) }),
            let gil = worst.gil
        else { return [] }
        var kinds: [String] = []
        for process in limited { if let kind = process.gil?.verdict.kind, !kinds.contains(kind) { kinds.append(kind) } }
        let waited = gil.threads.reduce(0) { $0 + ($1.waitFraction ?? 0) }
        let waitText = gil.mode == "exact" ? String(format: ", its threads waited %.0f%% of it (summed)", waited * 100) : ""
        let held = String(format: "%.0f%%", gil.heldFraction * 100)
        return ["    GIL: \(kinds.joined(separator: ", ")) in \(limited.count) of \(traced.count) traced — [pid \(worst.pid)] "
                + "held it \(held) of its run\(waitText), \(gil.threads.count) threads, \(gil.switches) switches"]
    }

    /// Findings other than how the process ended (the group's line says that): hang events, at most 5 a group.
    static let endingKinds: Set<String> = ["fatal_signal", "stopped_by_signal", "exit_status", "still_running", "end_not_seen"]

    static func findingLines(_ members: [ProcessReport]) -> [String] {
        let found = members.flatMap { process in
            // A Python child that lost its instruments says why (a program that is not Python needs no saying).
            let note = process.role == "subprocess" ? process.note.map { ["    [pid \(process.pid)] \($0)"] } ?? [] : []
            return note + process.findings.filter { !endingKinds.contains($0.kind) }.map { "    [pid \(process.pid)] \($0.kind): \($0.message)" }
        }
        return found.count > 5 ? Array(found.prefix(5)) + ["    … \(found.count - 5) more in the report"] : found
    }

    static func line(_ members: [ProcessReport]) -> String {
        guard let first = members.first else { return "" }
        var parts: [String] = []
        let cpus = members.compactMap(\.cpuS)
        if !cpus.isEmpty { parts.append(String(format: "cpu %.1f s", cpus.reduce(0, +))) }
        let peaks = members.compactMap(\.peakRssBytes)
        if let low = peaks.min(), let high = peaks.max() {
            let (lowMiB, highMiB) = (mebibytes(low), mebibytes(high))
            let each = members.count > 1 ? " each" : ""
            parts.append(lowMiB == highMiB ? "peak RSS \(lowMiB) MiB\(each)" : "peak RSS \(lowMiB)-\(highMiB) MiB\(each)")
        }
        if let largest = members.compactMap({ $0.allocations?.peakBytes }).max() {
            parts.append("allocations peak \(members.count > 1 ? "up to " : "")\(formatBytes(largest))")
        }
        parts.append(endings(members))
        return "\(label(first, count: members.count)): " + parts.joined(separator: ", ")
    }

    static func label(_ process: ProcessReport, count: Int) -> String {
        let plural = count == 1 ? "" : (process.role.hasSuffix("s") ? "es" : "s")
        switch process.role {
        case "multiprocessing worker": return "\(count) multiprocessing worker\(plural) (\(process.startMethod))"
        case "fork": return "\(count) forked process\(count == 1 ? "" : "es")"
        default:
            // A Python child without instruments is the surprise worth naming; a program that is not Python never has them.
            let bare = process.instrumented == false && process.role != "command"
            return "\(count) \(process.role)\(plural)" + (bare ? " without instruments" : "")
        }
    }

    /// "all exit 0", or counts: "2 exit 0, 1 killed by SIGKILL, 1 end not seen".
    static func endings(_ members: [ProcessReport]) -> String {
        var counts: [(String, Int)] = []
        for process in members {
            let ending: String
            if let signal = process.signalName { ending = "killed by \(signal)" }
            else if let code = process.exitStatus { ending = "exit \(code)" }
            else { ending = "end not seen" }
            if let index = counts.firstIndex(where: { $0.0 == ending }) { counts[index].1 += 1 } else { counts.append((ending, 1)) }
        }
        if counts.count == 1, let only = counts.first {
            return members.count == 1 ? only.0 : (only.0 == "end not seen" ? "no end seen" : "all \(only.0)")
        }
        return counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
    }

    static func mebibytes(_ bytes: Int64) -> Int { Int((Double(bytes) / 1_048_576).rounded()) }
}
