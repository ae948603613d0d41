import FoundationEssentials
import Glibc

/// The GIL part of the terminal summary: verdict first, then one line per thread and the longest holds.
public enum GILSummary {
    public static func lines(_ gil: GILSection) -> [String] {
        var lines: [String] = []
        lines.append("  GIL (\(gil.mode)): \(gil.verdict.text)")
        for advice in gil.verdict.advice { lines.append("    → \(advice)") }
        var overall = String(format: "    held %.1f%% of %.3f s, %llu switches", gil.heldFraction * 100, gil.durationS,
                             gil.switches)
        if gil.maxHoldMs > 0 {
            overall += String(format: ", longest hold %.1f ms (%@)", gil.maxHoldMs, gil.maxHoldThread ?? "?")
        }
        lines.append(overall)
        lines.append("    thread                      held   waited    acq   hold p50/p99/max ms    wait p99/max ms   cpu s")
        // The threads that held or waited most; the JSON report lists all.
        let listed = gil.threads.count <= 12 ? gil.threads
            : Array(gil.threads.sorted { $0.heldS + ($0.waitedS ?? 0) > $1.heldS + ($1.waitedS ?? 0) }.prefix(12))
        for thread in listed {
            let name = String(thread.name.prefix(26)).padded(toLength: 26)
            let waited = thread.waitFraction.map { String(format: "%6.1f%%", $0 * 100) } ?? "      -"
            let acquisitions = thread.acquisitions.map { String($0) } ?? "-"
            let holds = thread.holdMs.map {
                String(format: "%.3f/%.2f/%.1f", $0.p50Ms, $0.p99Ms, thread.maxHoldMs ?? 0)
            } ?? "-"
            let waits = thread.waitMs.map { String(format: "%.2f/%.1f", $0.p99Ms, thread.maxWaitMs ?? 0) } ?? "-"
            let cpu = thread.cpuS.map { String(format: "%.3f", $0) } ?? "-"
            lines.append("    \(name) \(String(format: "%6.1f%%", thread.heldFraction * 100)) \(waited) "
                + "\(acquisitions.leftPad(6))  \(holds.leftPad(20))  \(waits.leftPad(16))  \(cpu.leftPad(6))")
        }
        if listed.count < gil.threads.count {
            lines.append("    … \(gil.threads.count - listed.count) more threads in the JSON report")
        }
        for hold in gil.longestHolds.prefix(3) {
            lines.append(String(format: "    hold %.1f ms by %@ at %.3f s: %@", hold.durationMs, hold.thread, hold.startS,
                                hold.description))
        }
        for convoy in gil.convoys.prefix(3) { lines.append("    convoy: \(convoy.message)") }
        if gil.convoys.count > 3 { lines.append("    … \(gil.convoys.count - 3) more convoys in the JSON report") }
        return lines
    }
}
