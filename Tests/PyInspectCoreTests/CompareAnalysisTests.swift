import PyInspectCore
import Testing

/// The recommendation from hand-made figures: no Python, no processes.
@Suite struct CompareAnalysisTests {
    func round(serial: Double, threads: Double, threadsCPU: Double, processes: Double, startup: Double = 0.05,
               back: Int64 = 100) -> [String: CompareRoundFigures] {
        [
            "serial": CompareRoundFigures(wallS: serial, cpuS: serial),
            "threads": CompareRoundFigures(wallS: threads, cpuS: threadsCPU),
            "processes": CompareRoundFigures(
                wallS: processes, cpuS: serial * 1.1, startupS: startup, pickledBytesOut: 300, pickledBytesBack: back),
        ]
    }

    func section(_ rounds: [[String: CompareRoundFigures]]) -> CompareSection {
        CompareAnalysis.section(request: CompareRequest(target: "w.py:f", tasks: 8, workers: 2), rounds: rounds)
    }

    @Test func gilBoundCPUWorkGoesToProcesses() {
        let made = section(Array(repeating: round(serial: 1.0, threads: 1.02, threadsCPU: 1.0, processes: 0.6), count: 3))
        #expect(made.recommendation == "processes")
        #expect(made.modes["processes"]?.speedup == 1.667)
        #expect(made.modes["threads"]?.parallelism == 0.98)
        // Untraced, the reason does not blame the GIL; traced, it does, quoting the trace.
        #expect(made.reason.contains("the threads ran one at a time (the GIL was not traced)"), "\(made.reason)")
        var modes = made.modes
        modes["threads"]?.gil = CompareGIL(mode: "exact", heldFraction: 0.99, maxWaitFraction: 0.5, switches: 100, verdict: "gil_bound")
        let traced = CompareAnalysis.recommend(modes: modes, tasks: 8)
        #expect(traced.1.contains("the GIL serialised the work (GIL held 99% of the thread run)"), "\(traced.1)")
    }

    @Test func waitingWorkGoesToThreadsWhenAsFastAsProcesses() {
        let made = section([round(serial: 1.2, threads: 0.6, threadsCPU: 0.01, processes: 0.64, startup: 0.11)])
        #expect(made.recommendation == "threads")
        #expect(made.reason.contains("mostly waits"))
        #expect(made.reason.contains("no 0.110 s of process start-up"))
    }

    @Test func gilReleasingWorkGoesToThreads() {
        let made = section([round(serial: 1.0, threads: 0.55, threadsCPU: 1.0, processes: 0.52)])
        #expect(made.recommendation == "threads")
        #expect(made.reason.contains("releases the GIL"))
    }

    @Test func aGILHeldThroughoutSendsNearTiesToProcesses() {
        let rounds = [round(serial: 1.0, threads: 0.8, threadsCPU: 0.8, processes: 0.75)]
        let request = CompareRequest(target: "w.py:f", tasks: 8, workers: 2)
        let untraced = CompareAnalysis.section(request: request, rounds: rounds)
        #expect(untraced.recommendation == "threads")
        var section = untraced
        section.modes["threads"]?.gil = CompareGIL(
            mode: "exact", heldFraction: 0.99, maxWaitFraction: 0.5, switches: 100, verdict: "gil_bound")
        let decided = CompareAnalysis.recommend(modes: section.modes, tasks: 8)
        #expect(decided.0 == "processes")
        #expect(decided.1.contains("GIL held 99% of the thread run"))
    }

    /// Seen on a loaded machine: a slow serial round let GIL-bound threads measure 1.45x over serial.
    func gilBoundModes(serial: Double, threads: Double, processes: Double) -> [String: CompareMode] {
        var made = section([round(serial: serial, threads: threads, threadsCPU: threads * 0.8, processes: processes)])
        made.modes["threads"]?.gil = CompareGIL(
            mode: "exact", heldFraction: 0.99, maxWaitFraction: 0.5, switches: 100, verdict: "gil_bound")
        return made.modes
    }

    @Test func gilBoundThreadsThatMeasuredFasterAreNotRecommended() {
        let noisy = CompareAnalysis.recommend(modes: gilBoundModes(serial: 1.73, threads: 1.2, processes: 2.05), tasks: 8)
        #expect(noisy.0 == "serial")
        #expect(noisy.1.contains("the machine's noise"))
        #expect(noisy.1.contains("GIL held 99% of the thread run"))
        let processesFaster = CompareAnalysis.recommend(modes: gilBoundModes(serial: 1.73, threads: 1.2, processes: 1.0), tasks: 8)
        #expect(processesFaster.0 == "processes")
        #expect(processesFaster.1.hasPrefix("processes were 1.73x faster than serial"))
    }

    @Test func bigResultsStaySerialBecausePicklingDominates() {
        let made = section([round(serial: 0.2, threads: 0.21, threadsCPU: 0.2, processes: 1.5, back: 8 * 24_000_000)])
        #expect(made.recommendation == "serial")
        #expect(made.reason.contains("pickling results dominated"))
        let pickled: Int64? = made.modes["processes"]?.pickledBytes
        #expect(pickled == Int64(192_000_300))
    }

    @Test func mediansResistOneSlowRound() {
        let rounds = [
            round(serial: 1.0, threads: 1.0, threadsCPU: 1.0, processes: 0.6),
            round(serial: 1.0, threads: 1.0, threadsCPU: 1.0, processes: 5.0),
            round(serial: 1.0, threads: 1.0, threadsCPU: 1.0, processes: 0.6),
        ]
        #expect(section(rounds).modes["processes"]?.wallS == 0.6)
        #expect(section(rounds).modes["processes"]?.roundsWallS == [0.6, 5.0, 0.6])
    }

    @Test(arguments: ["f", ":f", "w.py:", "", "w.py:f:"]) func badTargetsAreUsageErrors(target: String) {
        #expect(throws: UsageError.self) { try CompareRequest(target: target, workers: 2).validated() }
    }

    @Test func badNumbersAreUsageErrors() {
        #expect(throws: UsageError.self) { try CompareRequest(target: "w.py:f", tasks: 0, workers: 2).validated() }
        #expect(throws: UsageError.self) { try CompareRequest(target: "w.py:f", workers: 0).validated() }
        #expect(throws: UsageError.self) { try CompareRequest(target: "w.py:f", workers: 2, startMethod: "thread").validated() }
    }
}
