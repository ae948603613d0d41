import FoundationEssentials
import Glibc

/// The verdict in words, from the section's figures alone.
///
/// - GIL-bound: the GIL was held most of the run (≥ 60%) while threads waited for it (≥ 30% of the run summed
///   over threads): adding threads cannot add speed. The thread holding it most is named; the advice depends
///   on what it did while holding (a long C call → release the GIL or shorten it; bytecode → processes).
/// - Long C call: one call held the GIL ≥ 100 ms while other threads were alive to want it.
/// - Contended: not bound over the whole run, but threads waited ≥ 30% of it (summed), two or more of them.
/// - Convoy: some thread mostly waited behind others.
/// - Otherwise not GIL-bound.
public enum GILVerdictRules {
    public static let boundHeldFraction = 0.6
    public static let boundWaitFraction = 0.3
    public static let longCallMs = 100.0

    public static func decide(_ section: GILSection) -> GILVerdict {
        let waitSum = section.threads.reduce(0.0) { $0 + ($1.waitFraction ?? 0) }
        let top = section.threads.max { $0.heldS < $1.heldS }
        let longCall = section.longestHolds.first { $0.activity == "c_call" && $0.durationMs >= longCallMs }
        let othersAlive = section.threads.count > 1
        var figures = [
            String(format: "GIL held %.0f%% of %.2f s", section.heldFraction * 100, section.durationS),
            "\(section.switches) switches between threads",
        ]
        if section.mode == "exact" {
            figures.append(String(format: "threads waited %.0f%% of the run in total", waitSum * 100))
        }
        for thread in section.threads.sorted(by: { $0.heldS > $1.heldS }).prefix(4) {
            var line = String(format: "%@ held %.0f%%", thread.name, thread.heldFraction * 100)
            if let wait = thread.waitFraction { line += String(format: ", waited %.0f%%", wait * 100) }
            if let cpu = thread.cpuS { line += String(format: ", cpu %.2f s", cpu) }
            figures.append(line)
        }
        if let hold = section.longestHolds.first {
            figures.append(String(format: "longest hold %.1f ms by %@: %@", hold.durationMs, hold.thread, hold.description))
        }

        let sampledBound = section.mode == "sampled" && section.heldFraction >= boundHeldFraction
            && section.threads.filter({ $0.heldFraction >= 0.1 }).count >= 2
        if let top, section.heldFraction >= boundHeldFraction, waitSum >= boundWaitFraction || sampledBound {
            var advice: [String] = []
            let text: String
            if let longCall, longCall.thread == top.name {
                text = String(format: "GIL-bound: %@ held the GIL %.0f%% of the run, including one C call of %.0f ms that never released it, while other threads waited.",
                              top.name, top.heldFraction * 100, longCall.durationMs)
                advice.append("Release the GIL inside that call (Py_BEGIN_ALLOW_THREADS, Cython `with nogil`), or split it into shorter calls so other threads get a turn.")
                advice.append("If the work is CPU-bound, run it in another process (multiprocessing, ProcessPoolExecutor).")
            } else {
                let holders = section.threads.filter { $0.heldFraction >= 0.1 }.map(\.name)
                // Two or more holders take turns; one holder keeps the others (the waiters) from running.
                let consequence = holders.count >= 2
                    ? "they take turns rather than run in parallel"
                    : "they run only when it lets go"
                var sentence = String(format: "GIL-bound: the GIL was held %.0f%% of the run (by %@) while other threads waited for it: %@.",
                              section.heldFraction * 100, holders.isEmpty ? top.name : holders.joined(separator: ", "), consequence)
                if let convoy = section.convoys.first { sentence += " Convoy: \(convoy.message)." }
                text = sentence
                advice.append("Use processes for CPU-bound Python (multiprocessing, concurrent.futures.ProcessPoolExecutor): each has its own GIL.")
                advice.append("Or move the hot loop into C code that releases the GIL (NumPy, hashlib and zlib on large buffers, Cython `nogil`).")
            }
            return GILVerdict(kind: "gil_bound", gilBound: true, thread: top.name, text: text, advice: advice,
                              figures: figures)
        }
        if let longCall, othersAlive {
            let text = String(format: "%@ held the GIL for %.0f ms in one call (the GIL was held %.0f%% of the run): every other thread stalled meanwhile.",
                              longCall.thread, longCall.durationMs, section.heldFraction * 100)
            return GILVerdict(
                kind: "long_c_call", gilBound: false, thread: longCall.thread, text: text,
                advice: ["Release the GIL in that call, or split it into shorter calls, to keep other threads responsive."],
                figures: figures)
        }
        let waiters = section.threads.filter { ($0.waitFraction ?? 0) >= 0.05 }
        if waitSum >= boundWaitFraction, waiters.count >= 2 {
            let names = waiters.sorted { ($0.waitFraction ?? 0) > ($1.waitFraction ?? 0) }.prefix(4).map(\.name)
            let text = String(format: "GIL contention: threads waited for the GIL %.0f%% of the run in total (it was held %.0f%%); %@ spent the most time queueing. The busy phases are GIL-bound even if the whole run is not.",
                              waitSum * 100, section.heldFraction * 100, names.joined(separator: ", "))
            return GILVerdict(
                kind: "contended", gilBound: false, thread: names.first, text: text,
                advice: ["Run the CPU-bound part in processes (ProcessPoolExecutor), or in C code that releases the GIL; see the timeline for when threads queue."],
                figures: figures)
        }
        if let convoy = section.convoys.first {
            let text = "Convoy: \(convoy.message). It spends its time queueing for the GIL, not working."
            var advice = ["Threads that wake often (timers, I/O loops) wait up to the switch interval (sys.getswitchinterval(), 5 ms) each time a CPU-bound thread holds the GIL."]
            if !convoy.behind.isEmpty {
                advice.append("Move the CPU-bound work of \(convoy.behind.joined(separator: ", ")) to a process, or lower sys.setswitchinterval() for shorter waits.")
            }
            return GILVerdict(kind: "convoy", gilBound: false, thread: convoy.thread, text: text, advice: advice,
                              figures: figures)
        }
        if let top, section.heldFraction >= boundHeldFraction {
            let text = String(format: "Not GIL-bound: %@ held the GIL %.0f%% of the run, but no other thread was kept waiting: the program does its work in one thread.",
                              top.name, section.heldFraction * 100)
            return GILVerdict(kind: "not_gil_bound", gilBound: false, thread: top.name, text: text,
                              advice: ["Adding threads will not make this faster; processes would (multiprocessing)."],
                              figures: figures)
        }
        let text = String(format: "Not GIL-bound: the GIL was held %.0f%% of the run; threads spent their time with it released (sleeping, I/O, or C code that releases it).",
                          section.heldFraction * 100)
        return GILVerdict(kind: "not_gil_bound", gilBound: false, thread: nil, text: text,
                          advice: ["Threads suit this program: the GIL is not what limits it."], figures: figures)
    }
}
