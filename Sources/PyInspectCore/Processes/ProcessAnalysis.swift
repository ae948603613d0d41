/// Turns the children's records into the report's `processes`: pure, unit-tested without Python.
public enum ProcessAnalysis {
    /// One entry per process that recorded its start, in the order they started.
    public static func processes(_ capture: ChildProcessCapture) -> [ProcessReport] {
        var started: [Int32: ChildProcessRecord] = [:]
        var ended: [Int32: ChildProcessRecord] = [:]
        var reaped: [Int32: ChildProcessRecord] = [:]
        for record in capture.records {
            switch record.record {
            case "process_started": if started[record.pid] == nil { started[record.pid] = record }
            case "process_ended":
                // main.c's end (with the exit code) wins over a Python-side one without it.
                if ended[record.pid]?.exitCode == nil { ended[record.pid] = record }
            case "process_reaped":
                if let child = record.childPid, reaped[child] == nil { reaped[child] = record }
            default: continue
            }
        }
        var listed: [(start: Double, process: ProcessReport)] = started.values.map {
            var process = describe(
                start: $0, end: ended[$0.pid], reaped: reaped[$0.pid], stillRunning: capture.stillRunning.contains($0.pid))
            process.allocations = capture.allocations[$0.pid].map(AllocationAnalysis.analyze)
            let threads = capture.threads[$0.pid] ?? []
            let hosts = capture.hostThreads[$0.pid] ?? [:]
            process.gil = capture.gil[$0.pid].map { GILAnalysis.analyze($0, threads: threads, hostThreads: hosts) }
            let snapshot = capture.hangSnapshots[$0.pid]
            if let events = capture.hangEvents[$0.pid] ?? (snapshot == nil ? nil : []) {
                process.findings += HangFindings.findings(events: events, snapshot: snapshot)
            }
            if let queries = capture.queries[$0.pid] {
                process.queries = QueryAnalysis.section(queries)
                process.findings += QueryAnalysis.findings(queries, wallS: process.wallS)
            }
            return ($0.monotonicS ?? 0, process)
        }
        listed += uninstrumented(capture, started: Set(started.keys), reaped: reaped)
        return listed.sorted { ($0.start, $0.process.pid) < ($1.start, $1.process.pid) }.map(\.process)
    }

    /// The target's own end record (written at its atexit): its CPU and peak RSS without its children's, which
    /// the supervisor's wait4 adds in (ru_maxrss is the largest of the process and the children it reaped).
    public static func ownEnd(of pid: Int32, in capture: ChildProcessCapture) -> ChildProcessRecord? {
        if capture.records.contains(where: { $0.record == "process_started" && $0.pid == pid }) { return nil }
        return capture.records.first { $0.record == "process_ended" && $0.pid == pid }
    }

    static func describe(
        start: ChildProcessRecord, end: ChildProcessRecord?, reaped: ChildProcessRecord?, stillRunning: Bool = false
    ) -> ProcessReport {
        let (role, method) = classify(start)
        var process = ProcessReport(
            pid: start.pid, command: commandLine(start.argv ?? []), role: role, startMethod: method, verdict: "unknown")
        process.parentPid = start.parentPid
        if start.startedBy == "fork" { process.forkSite = start.forkSite }
        let forked = start.startedBy == "fork"
        if let begin = start.monotonicS, let finish = end?.monotonicS ?? reaped?.monotonicS {
            process.wallS = rounded(max(0, finish - begin))
        }
        // Its own figures first; the reaper's wait4 figures for one that never recorded its end (killed).
        if let end, let user = end.cpuUserS, let system = end.cpuSystemS {
            process.cpuS = rounded(user + system)
        } else if let reaped, let user = reaped.cpuUserS, let system = reaped.cpuSystemS {
            process.cpuS = rounded(user + system)
        }
        if let peak = end?.peakRssBytes {
            process.peakRssBytes = peak
        } else if forked, let peak = reaped?.maxRssBytes {
            // Valid for a fork (its high-water mark restarts at the fork); an exec'd process's ru_maxrss still
            // holds its parent's size at the exec, so none is given for it.
            process.peakRssBytes = peak
        }
        if let status = reaped?.status {
            let signal = status & 0x7f
            if signal == 0 { process.exitStatus = (status >> 8) & 0xff } else { process.signal = signal }
        } else if let code = end?.exitCode {
            process.exitStatus = code
        }
        process.signalName = process.signal.map(signalName)
        process.verdict = verdict(exitStatus: process.exitStatus, signal: process.signal)
        process.findings = findings(process, ended: end != nil, stillRunning: stillRunning)
        return process
    }

    /// (role, start method) from how the process began.
    static func classify(_ start: ChildProcessRecord) -> (String, String) {
        if start.startedBy == "fork" {
            let files = (start.forkSite ?? []).map(\.file)
            if files.contains(where: { $0.hasSuffix("multiprocessing/popen_fork.py") }) {
                return ("multiprocessing worker", "fork")
            }
            if files.contains(where: { $0.hasSuffix("multiprocessing/forkserver.py") }) {
                return ("multiprocessing worker", "forkserver")
            }
            return ("fork", "fork")
        }
        let code = codeArgument(start.argv ?? []) ?? ""
        if code.contains("from multiprocessing.spawn import spawn_main") { return ("multiprocessing worker", "spawn") }
        if code.contains("from multiprocessing.resource_tracker import main") { return ("resource tracker", "exec") }
        if code.contains("from multiprocessing.forkserver import main") { return ("forkserver", "exec") }
        return ("subprocess", "exec")
    }

    /// The program text after `-c` (multiprocessing's children are started as `python -I -c '...'`).
    static func codeArgument(_ argv: [String]) -> String? {
        guard let index = argv.firstIndex(of: "-c"), index + 1 < argv.count else { return nil }
        return argv[index + 1]
    }

    static func verdict(exitStatus: Int32?, signal: Int32?) -> String {
        if let signal { return [1, 2, 15].contains(signal) ? "interrupted" : "crash" }
        guard let exitStatus else { return "unknown" }
        return exitStatus == 0 ? "clean" : "error"
    }

    static func findings(_ process: ProcessReport, ended: Bool, stillRunning: Bool) -> [Finding] {
        if let signal = process.signal {
            let kind = process.verdict == "crash" ? "fatal_signal" : "stopped_by_signal"
            return [Finding(kind: kind, message: "the \(process.role) was ended by \(signalName(signal))")]
        }
        if let code = process.exitStatus, code != 0 {
            return [Finding(kind: "exit_status", message: "the \(process.role) exited with status \(code)")]
        }
        if stillRunning {
            return [Finding(kind: "still_running", message: "the \(process.role) was still running when the target ended")]
        }
        if process.exitStatus == nil {
            let why = ended
                ? "it ended, but no process reaped it through os.waitpid, so its exit status was not seen"
                : "it was killed before it could record its end, outlived the target, or was never reaped"
            return [Finding(kind: "end_not_seen", message: "the \(process.role)'s end was not seen: \(why)")]
        }
        return []
    }

    /// argv as one line, arguments with spaces or quotes in single quotes.
    static func commandLine(_ argv: [String]) -> String {
        argv.map { argument in
            if !argument.isEmpty, !argument.contains(where: { " \t\n'\"\\$;&|<>()*?".contains($0) }) { return argument }
            return "'" + argument.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
        }.joined(separator: " ")
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}
