import FoundationEssentials
import Glibc

/// Turns the rounds compare.py measured into the `compare` section and its recommendation.
/// Pure: same figures, same section; unit-tested with hand-made numbers.
public enum CompareAnalysis {
    /// Speedup over serial below this is not worth a pool.
    static let worthwhileSpeedup = 1.15
    /// Threads win when they reach this share of the processes' speedup: they are cheaper (no start-up, no
    /// pickling, shared memory), so near-equal goes to threads.
    static let threadsShareOfProcesses = 0.9

    public static func section(
        request: CompareRequest, rounds: [[String: CompareRoundFigures]], threadsGIL: GILSection? = nil
    ) -> CompareSection {
        let serial = medians(rounds, "serial")
        var modes: [String: CompareMode] = [:]
        for name in ["serial", "threads", "processes"] {
            guard let figures = medians(rounds, name) else { continue }
            let workers = name == "serial" ? 1 : request.workers
            let speedup = serial.map { $0.wall / max(figures.wall, 1e-9) } ?? 1
            modes[name] = CompareMode(
                wallS: round6(figures.wall), cpuS: round6(figures.cpu), speedup: round3(speedup),
                efficiency: round3(speedup / Double(workers)),
                parallelism: round3(figures.cpu / max(figures.wall, 1e-9)),
                pickledBytes: (figures.out ?? 0) + (figures.back ?? 0), pickledBytesOut: figures.out,
                pickledBytesBack: figures.back, startupS: figures.startup.map(round6),
                peakRssBytes: figures.peak ?? 0, workerPeakRssBytes: figures.workerPeaks,
                roundsWallS: rounds.compactMap { $0[name]?.wallS }.map(round6),
                gil: name == "threads" ? threadsGIL.map(compactGIL) : nil,
                coresFree: figures.coresFree.map(round3), otherCpuS: figures.otherCpu.map(round6),
                runDelayS: figures.runDelay.map(round6))
        }
        // Closures, not key paths: a key path to Dictionary.values references a protected libswiftCore symbol.
        let all = rounds.flatMap { Array($0.values) }
        let cores = all.compactMap { $0.cores }.max()
        let loads = all.compactMap { $0.loadAverage1m }
        let (recommendation, reason) = recommend(modes: modes, tasks: request.tasks, cores: cores)
        return CompareSection(
            recommendation: recommendation, reason: reason, target: request.target, tasks: request.tasks,
            workers: request.workers, startMethod: request.startMethod, rounds: rounds.count, modes: modes,
            cores: cores, loadAverage1m: loads.isEmpty ? nil : round3(median(loads)))
    }

    static func compactGIL(_ section: GILSection) -> CompareGIL {
        CompareGIL(
            mode: section.mode, heldFraction: section.heldFraction,
            maxWaitFraction: round3(section.threads.compactMap(\.waitFraction).max() ?? 0),
            switches: Int64(section.switches), verdict: section.verdict.kind)
    }

    /// A pool whose run had fewer cores free than this could not run two workers at once.
    static let parallelCores = 1.5
    /// The GIL held at least this share of the thread run is what serialised threads that kept ~1 core busy.
    static let gilSerialises = 0.5

    /// " (GIL held 97% of the thread run)" when it was traced.
    static func gilClause(_ threads: CompareMode) -> String {
        guard let gil = threads.gil else { return "" }
        return String(format: " (GIL held %.0f%% of the thread run)", gil.heldFraction * 100)
    }

    /// Why threads kept fewer than 1.3 cores busy, from what was measured: the GIL only when the trace shows it
    /// held, the machine when other processes left too few cores, the work when it mostly waits.
    static func threadsSerialClause(_ threads: CompareMode) -> String {
        let ran = String(format: "; under threads the CPU ran %.2fx wall", threads.parallelism)
        if let held = threads.gil?.heldFraction, held >= gilSerialises {
            return ran + ": the GIL serialised the work" + gilClause(threads)
        }
        if let free = threads.coresFree, free < parallelCores {
            return ran + ": " + onlyFree(free, run: "thread") + ", so the threads could not run in parallel"
                + gilClause(threads)
        }
        if mostlyWaits(threads) {
            return String(format: "; under threads the work mostly waits (CPU %.0f%% of wall)",
                          threads.cpuS / max(threads.wallS, 1e-9) * 100) + gilClause(threads)
        }
        if let held = threads.gil?.heldFraction {
            return ran + String(format: " with the GIL held only %.0f%% of the thread run: the threads waited on something else", held * 100)
                + (threads.runDelayS.map { " (a lock, I/O, or a CPU: they waited \(seconds($0)) for one)" } ?? " (a lock, I/O)")
        }
        return ran + ": the threads ran one at a time (the GIL was not traced)"
    }

    /// A mode whose CPU stayed under half its wall while its threads were seldom kept from a CPU: the work
    /// waits (sleep, I/O). Starved of CPU instead (run delay a quarter of wall or more), it only looks idle.
    static func mostlyWaits(_ mode: CompareMode) -> Bool {
        mode.cpuS < 0.5 * mode.wallS && (mode.runDelayS ?? 0) < 0.25 * mode.wallS
    }

    /// "only 1.0 core was free during the process run (other processes used 1.0)".
    static func onlyFree(_ free: Double, run: String) -> String {
        let figure = String(format: "%.1f", free)
        return "only \(figure) \(figure == "1.0" || free < 1 ? "core was" : "cores were") free during the \(run) run"
    }

    /// The machine's part in the process figures: said whenever the process run had too few cores free.
    static func machineClause(_ modes: [String: CompareMode], cores: Int?) -> String {
        if let cores, cores < 2 {
            return "; this machine gives the measurement \(cores) core: no pool could run in parallel"
        }
        // Said only when the processes' own CPU agrees (they kept under 1.5 cores busy): figures that disagree
        // with each other get no story.
        guard let processes = modes["processes"], let free = processes.coresFree, free < parallelCores,
            processes.parallelism < parallelCores
        else {
            return ""
        }
        var clause = "; " + onlyFree(free, run: "process")
        var parts: [String] = []
        if let other = processes.otherCpuS, processes.wallS > 0 {
            parts.append(String(format: "other processes kept %.1f cores busy", other / processes.wallS))
        }
        if let delay = processes.runDelayS { parts.append("our processes waited \(seconds(delay)) for a CPU") }
        if !parts.isEmpty { clause += " (" + parts.joined(separator: "; ") + ")" }
        clause += ": processes could not run in parallel"
        if processes.speedup >= worthwhileSpeedup {
            // Then a speedup they measured came from the machine's load moving between modes.
            clause += String(format: ", so their %.2fx over serial is not from parallelism: compare again on a quieter machine", processes.speedup)
        }
        return clause
    }

    /// serial, threads or processes, and why, in words built from the figures. Every claim the reason makes
    /// holds for the figures (CompareReasonCheck lists the claims and what each needs).
    public static func recommend(modes: [String: CompareMode], tasks: Int, cores: Int? = nil) -> (String, String) {
        let (recommendation, reason) = decide(modes: modes, tasks: tasks)
        return (recommendation, reason + machineClause(modes, cores: cores))
    }

    static func decide(modes: [String: CompareMode], tasks: Int) -> (String, String) {
        guard let serial = modes["serial"], let threads = modes["threads"], let processes = modes["processes"] else {
            return ("serial", "not every mode could be measured")
        }
        // Traced exactly, a GIL held nearly all the thread run means threads cannot use a second core however
        // the machine's load moved the timings: processes win whenever they measured faster at all.
        let gilBound = (threads.gil?.heldFraction ?? 0) >= 0.9
        // And with the CPU under 1.2x wall as well, threads ran one at a time: a speedup over serial is noise.
        if gilBound, threads.parallelism < 1.2, threads.speedup >= worthwhileSpeedup {
            let noise = String(
                format: "threads' %.2fx over serial is the machine's noise: with the GIL held %.0f%% of the thread run and the CPU at %.2fx wall, the threads ran one at a time",
                threads.speedup, (threads.gil?.heldFraction ?? 0) * 100, threads.parallelism)
            if processes.speedup >= worthwhileSpeedup {
                var reason = String(format: "processes were %.2fx faster than serial; ", processes.speedup) + noise
                if let startup = processes.startupS { reason += "; process start-up cost \(seconds(startup))" }
                return ("processes", reason)
            }
            return ("serial", String(format: "processes (%.2fx) were not meaningfully faster than serial (%@); ",
                                     processes.speedup, seconds(serial.wallS)) + noise)
        }
        let best = max(threads.speedup, processes.speedup)
        let perTaskBack = Double(processes.pickledBytesBack ?? 0) / Double(max(tasks, 1))
        let pickling = String(
            format: "processes pickled %@ (%@ a task back)", bytes(processes.pickledBytes), bytes(Int64(perTaskBack)))
        if best < worthwhileSpeedup {
            var reason = String(
                format: "neither threads (%.2fx) nor processes (%.2fx) were meaningfully faster than serial (%@)",
                threads.speedup, processes.speedup, seconds(serial.wallS))
            if processes.speedup < threads.speedup, perTaskBack >= 1_000_000 {
                reason += "; \(pickling): pickling results dominated the process run"
            } else if threads.parallelism < 1.3 {
                reason += threadsSerialClause(threads)
            }
            return ("serial", reason)
        }
        // Threads must be worth having themselves, and near the processes' speedup: they are cheaper.
        if threads.speedup >= worthwhileSpeedup, threads.speedup >= threadsShareOfProcesses * processes.speedup,
            !(gilBound && processes.speedup > threads.speedup * 1.05)
        {
            var reason = String(
                format: "threads were %.2fx faster than serial, as fast as processes (%.2fx) and cheaper", threads.speedup,
                processes.speedup)
            if let startup = processes.startupS {
                reason += ": no \(seconds(startup)) of process start-up"
            }
            reason += ", no pickling (\(bytes(processes.pickledBytes)))"
            if threads.parallelism >= 1.3 {
                reason += String(format: "; the CPU ran %.2fx wall under threads: the work releases the GIL", threads.parallelism) + gilClause(threads)
            } else if mostlyWaits(threads) {
                reason += String(format: "; the work mostly waits (CPU %.0f%% of wall)", threads.cpuS / max(threads.wallS, 1e-9) * 100)
                if (threads.gil?.heldFraction ?? 0) < gilSerialises { reason += ", and the GIL is free while it waits" }
            }
            return ("threads", reason)
        }
        var reason = String(
            format: "processes were %.2fx faster than threads (%.2fx vs %.2fx over serial)",
            processes.speedup / max(threads.speedup, 1e-9), processes.speedup, threads.speedup)
        if threads.parallelism < 1.3 {
            reason += threadsSerialClause(threads)
        }
        if let startup = processes.startupS {
            reason += "; process start-up cost \(seconds(startup))"
        }
        return ("processes", reason)
    }

    struct Medians {
        var wall: Double
        var cpu: Double
        var startup: Double?
        var peak: Int64?
        var workerPeaks: [Int64]?
        var out: Int64?
        var back: Int64?
        var coresFree: Double?
        var otherCpu: Double?
        var runDelay: Double?
    }

    static func medians(_ rounds: [[String: CompareRoundFigures]], _ mode: String) -> Medians? {
        let figures = rounds.compactMap { $0[mode] }
        guard !figures.isEmpty else { return nil }
        return Medians(
            wall: median(figures.map(\.wallS)), cpu: median(figures.map(\.cpuS)),
            startup: figures.compactMap(\.startupS).isEmpty ? nil : median(figures.compactMap(\.startupS)),
            // The least of the rounds: the measuring process keeps what its allocator retained from earlier
            // rounds (a process round's unpickled results), which would otherwise count as this mode's peak.
            peak: figures.compactMap(\.peakRssBytes).min(), workerPeaks: figures.last?.workerPeakRssBytes,
            out: figures.last?.pickledBytesOut, back: figures.last?.pickledBytesBack,
            coresFree: optionalMedian(figures.compactMap { $0.coresFree }),
            otherCpu: optionalMedian(figures.compactMap { $0.otherCpuS }),
            runDelay: optionalMedian(figures.compactMap { $0.runDelayS }))
    }

    static func optionalMedian(_ values: [Double]) -> Double? { values.isEmpty ? nil : median(values) }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func bytes(_ count: Int64) -> String { formatBytes(count) }
    /// "1.234 s", or "3.2 ms" below 10 ms.
    static func seconds(_ value: Double) -> String {
        value < 0.01 ? String(format: "%.1f ms", value * 1000) : String(format: "%.3f s", value)
    }
    static func round3(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }
    static func round6(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}
