import PyInspectCore
import Testing

/// Compare's reason never contradicts its figures: 3,000 generated combinations of figures (speedups, CPU, GIL
/// held or untraced, cores free, run delay, pickled results, 1 to 4 cores), each decided and its reason read back
/// by CompareReasonCheck. Deterministic (a seeded generator), so a failure names a reproducible case.
@Suite struct CompareReasonConsistencyTests {
    /// SplitMix64: the same sequence on every run and platform.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func range(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }
        mutating func chance(_ p: Double) -> Bool { unit() < p }
        /// Values near the rules' thresholds as often as anywhere else.
        mutating func pick(_ edges: [Double], _ low: Double, _ high: Double) -> Double {
            chance(0.4) ? edges[Int(next() % UInt64(edges.count))] + range(-0.004, 0.004) : range(low, high)
        }
    }

    struct Case {
        var recommendation: String
        var reason: String
        var modes: [String: CompareMode]
        var cores: Int
        var tasks: Int
    }

    func generate(_ random: inout Generator) -> Case {
        let cores = [1, 2, 2, 2, 4][Int(random.next() % 5)]
        let tasks = [1, 6, 8, 64][Int(random.next() % 4)]
        let serialWall = random.range(0.005, 5)
        func mode(_ speedup: Double) -> (wall: Double, cpu: Double, free: Double?, delay: Double?) {
            let wall = serialWall / max(speedup, 0.05)
            let parallelism = random.pick([0.5, 1.0, 1.2, 1.3], 0, Double(cores) + 0.3)
            let free = random.chance(0.2) ? nil : random.pick([1.0, 1.5], 0, Double(cores))
            let delay = random.chance(0.2) ? nil : wall * random.pick([0.25], 0, 3)
            return (wall, wall * parallelism, free, delay)
        }
        let edges = [0.9, 1.0, 1.05, 1.15, 1.3]
        let serial = mode(1)
        let threads = mode(random.pick(edges, 0.2, 3))
        let processes = mode(random.pick(edges, 0.2, 3))
        func figures(_ m: (wall: Double, cpu: Double, free: Double?, delay: Double?), pickled: Bool = false) -> CompareRoundFigures {
            CompareRoundFigures(
                wallS: m.wall, cpuS: m.cpu, startupS: pickled && random.chance(0.8) ? random.range(0.001, 1) : nil,
                pickledBytesOut: pickled ? 300 : nil,
                pickledBytesBack: pickled ? Int64(random.pick([1_000_000 * Double(tasks)], 0, 3_000_000 * Double(tasks))) : nil,
                cores: cores, otherCpuS: m.free.map { (Double(cores) - $0) * m.wall }, runDelayS: m.delay)
        }
        let request = CompareRequest(target: "w.py:f", tasks: tasks, workers: 2)
        var section = CompareAnalysis.section(request: request, rounds: [[
            "serial": figures(serial), "threads": figures(threads), "processes": figures(processes, pickled: true),
        ]])
        if !random.chance(0.2) {
            let held = random.pick([0.5, 0.9], 0, 1)
            section.modes["threads"]?.gil = CompareGIL(mode: "exact", heldFraction: held, maxWaitFraction: 0.1, switches: 10, verdict: "x")
        }
        let (recommendation, reason) = CompareAnalysis.recommend(modes: section.modes, tasks: tasks, cores: cores)
        return Case(recommendation: recommendation, reason: reason, modes: section.modes, cores: cores, tasks: tasks)
    }

    @Test func noReasonContradictsItsFigures() {
        var random = Generator(state: 20)
        var failures: [String] = []
        var seen: Set<String> = []
        for _ in 0..<3_000 {
            let made = generate(&random)
            let found = CompareReasonCheck.contradictions(
                recommendation: made.recommendation, reason: made.reason, modes: made.modes, tasks: made.tasks,
                cores: made.cores)
            if !found.isEmpty, failures.count < 5 { failures.append("\(made.recommendation): \(made.reason) — \(found)") }
            seen.insert(made.recommendation)
            for clause in Self.clauses where made.reason.contains(clause) { seen.insert(clause) }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The generator reached every recommendation and every kind of clause, so the check above covered them.
        let missing = (["serial", "threads", "processes"] + Self.clauses).filter { !seen.contains($0) }
        #expect(missing.isEmpty, "never generated: \(missing)")
    }

    static let clauses = [
        "the machine's noise", "the GIL serialised the work", "releases the GIL", "mostly waits",
        "the GIL is free while it waits", "pickling results dominated", "free during the thread run",
        "free during the process run", "processes could not run in parallel", "threads could not run in parallel",
        "no pool could run in parallel", "waited on something else", "the GIL was not traced", "faster than threads",
        "is not from parallelism",
    ]

    @Test func theCheckCatchesEachKindOfContradiction() {
        var random = Generator(state: 7)
        var made = generate(&random)
        while made.recommendation != "serial" || made.modes["threads"]?.gil == nil { made = generate(&random) }
        var modes = made.modes
        modes["threads"]?.gil?.heldFraction = 0.03
        modes["threads"]?.parallelism = 1.0
        modes["threads"]?.speedup = 1.0
        modes["processes"]?.speedup = 0.9
        modes["processes"]?.coresFree = 1.9
        let wrong = [
            "serial": ["the GIL serialised the work", "GIL held 4", "releases the GIL", "only 1.9 cores were free during the process run",
                       "processes could not run in parallel", "the CPU ran 1.50x wall", "neither threads (2.00x)"],
            "threads": ["threads were 1.00x faster than serial"],
            "processes": ["processes were 0.90x faster than serial"],
        ]
        for (recommendation, reasons) in wrong {
            for reason in reasons {
                let found = CompareReasonCheck.contradictions(
                    recommendation: recommendation, reason: reason, modes: modes, tasks: made.tasks, cores: 2)
                #expect(!found.isEmpty, "not caught: \(recommendation): \(reason)")
            }
        }
        #expect(CompareReasonCheck.contradictions(
            recommendation: "serial", reason: "under threads the CPU ran 1.00x wall", modes: modes, tasks: made.tasks, cores: 2).isEmpty)
    }
}
