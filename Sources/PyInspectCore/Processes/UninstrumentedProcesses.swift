/// Children that ran without pyinspect's instruments: started with an environment that lost
/// PYINSPECT_CHILD_DIR (`subprocess.run([sys.executable, ...], env={})`, pyperf), or programs that are not Python
/// (`sh -c ...`). They record nothing themselves; their parent's `process_spawned` (subprocess.Popen's command)
/// and `process_reaped` (wait4: exit status, CPU) are all that is known of them.
extension ProcessAnalysis {
    static func uninstrumented(
        _ capture: ChildProcessCapture, started: Set<Int32>, reaped: [Int32: ChildProcessRecord]
    ) -> [(start: Double, process: ProcessReport)] {
        var spawned: [Int32: ChildProcessRecord] = [:]
        for record in capture.records where record.record == "process_spawned" {
            if let child = record.childPid, spawned[child] == nil { spawned[child] = record }
        }
        let pids = Set(spawned.keys).union(reaped.keys).subtracting(started)
        return pids.map { pid in
            let process = describeUninstrumented(pid: pid, spawned: spawned[pid], reaped: reaped[pid])
            return (spawned[pid]?.monotonicS ?? reaped[pid]?.monotonicS ?? 0, process)
        }
    }

    static func describeUninstrumented(pid: Int32, spawned: ChildProcessRecord?, reaped: ChildProcessRecord?) -> ProcessReport {
        let argv = spawned?.argv ?? reaped?.argv ?? []
        let python = spawned?.python ?? looksLikePython(argv.first ?? "")
        var process = ProcessReport(
            pid: pid, command: argv.isEmpty ? "?" : commandLine(argv), role: python ? "subprocess" : "command",
            startMethod: "exec", verdict: "unknown")
        process.parentPid = spawned?.pid ?? reaped?.pid
        process.instrumented = false
        process.note = note(python: python, spawned: spawned)
        if let begin = spawned?.monotonicS, let finish = reaped?.monotonicS {
            process.wallS = rounded(max(0, finish - begin))
        }
        if let reaped, let user = reaped.cpuUserS, let system = reaped.cpuSystemS {
            process.cpuS = rounded(user + system)
        }
        // No peak RSS: an exec'd process's ru_maxrss keeps its parent's size at the exec, and it left no VmHWM.
        if let status = reaped?.status {
            let signal = status & 0x7f
            if signal == 0 { process.exitStatus = (status >> 8) & 0xff } else { process.signal = signal }
        }
        process.signalName = process.signal.map(signalName)
        process.verdict = verdict(exitStatus: process.exitStatus, signal: process.signal)
        process.findings = findings(process, ended: false, stillRunning: false)
        return process
    }

    static func note(python: Bool, spawned: ChildProcessRecord?) -> String {
        let known = "only its reaper's figures are known (wall, CPU, exit status; no peak RSS)"
        guard let spawned else {
            return "started outside subprocess.Popen and recorded nothing itself: \(known)"
        }
        if !python { return "not a Python program, so pyinspect does not instrument it: \(known)" }
        if spawned.childDirKept == false {
            return "ran without instruments: it was given an environment without PYINSPECT_CHILD_DIR (e.g. env={}): \(known)"
        }
        return "ran without instruments: a Python other than sys.executable (pyinspect-python), or it ended before recording its start: \(known)"
    }

    static func looksLikePython(_ program: String) -> Bool {
        let name = program.split(separator: "/").last.map(String.init) ?? program
        return name.hasPrefix("python") || name == "pyinspect-python"
    }
}
