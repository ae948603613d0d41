import FoundationEssentials
import Glibc

/// Assembles `run`'s report from the supervisor's measurements and the target's capture.
public enum RunReportBuilder {
    public static func build(
        request: RunRequest, outcome: ChildOutcome, capture: RunCapture, faultHandlerText: String,
        fatalSignalText: String = "",
        gil: GILCapture? = nil, children: ChildProcessCapture? = nil, profile: ProfileCapture? = nil
    ) -> Report {
        let hangSnapshot = capture.hangSnapshot
        let taskSites = capture.taskSites  // issue 18
        let hangFindings = HangFindings.findings(events: capture.hangEvents, snapshot: hangSnapshot)
            + (taskSites.map(ConcurrencyAnalysis.findings) ?? [])
            + QueryAnalysis.findings(capture.queries, wallS: outcome.wallSeconds)
        let decision = RunVerdict.decide(
            outcome: outcome, capture: capture,
            limits: .init(timeoutRequested: request.timeoutSeconds != nil, memoryLimitBytes: request.memoryLimitBytes),
            hasFindings: !hangFindings.isEmpty)
        var report = Report(command: "run", verdict: decision.verdict, exitStatus: decision.exitStatus)
        report.tasks = HangFindings.tasks(snapshot: hangSnapshot)
        report.taskSites = taskSites.map(ConcurrencyAnalysis.table)
        report.target = TargetInfo(
            kind: request.target.kind.rawValue, value: request.target.value, arguments: request.target.arguments)
        report.python = capture.python
        report.pid = capture.pid
        switch outcome.ending {
        case .exited(let code): report.targetExit = TargetExit(code: code, signal: nil, signalName: nil)
        case .signaled(let signal):
            report.targetExit = TargetExit(code: nil, signal: signal, signalName: signalName(signal))
        }
        report.wallS = rounded(outcome.wallSeconds)
        report.cpuUserS = rounded(outcome.userCPUSeconds)
        report.cpuSystemS = rounded(outcome.systemCPUSeconds)
        report.cpuS = rounded(outcome.userCPUSeconds + outcome.systemCPUSeconds)
        report.peakRssBytes = outcome.peakRSSBytes
        report.gc = capture.end?.gc
        report.threads = capture.end?.threads ?? threadsWithoutEnd(capture)
        report.exception = capture.end?.exception
        // Built only when stacks need it: a first [UInt64: String] costs ~0.27 M instructions (conformance scan).
        let threads = report.threads
        var names: [UInt64: String] {
            var names: [UInt64: String] = [:]
            if let main = capture.mainThreadIdent { names[main] = "MainThread" }
            for thread in threads { if let ident = thread.ident { names[ident] = thread.name } }
            return names
        }
        // The richest stacks first: the watchdog's snapshot with the GIL, its GIL-free dump, the stacks written
        // by the fatal-signal handler, the place os._exit was called.
        if let stacks = capture.stacks {
            report.stacks = stacks
        } else if !faultHandlerText.isEmpty {
            report.stacks = FaultHandlerDump.parse(faultHandlerText, names: names)
        } else if !fatalSignalText.isEmpty, !FaultHandlerDump.parse(fatalSignalText, names: names).isEmpty {
            report.stacks = FaultHandlerDump.parse(fatalSignalText, names: names)
        } else if let exit = capture.osExit {
            let name = exit.thread.flatMap { names[$0] } ?? "MainThread"
            report.stacks = [ThreadStack(name: name, ident: exit.thread, nativeId: nil, frames: exit.frames)]
        }
        // How the target ended first, then what the hang monitor found while it ran.
        report.findings = findings(report: report, capture: capture, request: request) + hangFindings
        report.diagnostics = diagnostics(outcome: outcome, capture: capture)
        report.command = request.command
        GILRun.addSection(
            to: &report, requested: request.gil != nil, capture: gil,
            hostThreads: request.gil != nil ? capture.hostThreads : [:])  // built only when read: see RunCapture
        if request.allocationSampleBytes != nil { addAllocations(to: &report, capture: capture) }
        if !capture.checkpoints.isEmpty { report.checkpoints = capture.checkpoints }  // services
        ProfileRun.addSection(to: &report, requested: request.profile != nil, capture: profile, hostThreads: capture.hostThreads)
        if let children { addProcesses(to: &report, children: children) }
        addQueries(to: &report, capture: capture.queries)
        return report
    }

    static func addProcesses(to report: inout Report, children: ChildProcessCapture) {
        report.processes = ProcessAnalysis.processes(children)
        if let pid = report.pid, let own = ProcessAnalysis.ownEnd(of: pid, in: children), !(report.processes ?? []).isEmpty {
            // With children, the top level keeps to the target's own figures; each child has its own entry.
            if let peak = own.peakRssBytes { report.peakRssBytes = peak }
            if let user = own.cpuUserS, let system = own.cpuSystemS {
                report.cpuUserS = rounded(user)
                report.cpuSystemS = rounded(system)
                report.cpuS = rounded(user + system)
            }
        }
        report.findings += childDeadlocks(report.processes ?? [])
        if children.unreadableLines > 0 {
            report.diagnostics.append(Diagnostic(.warning, "\(children.unreadableLines) child process records could not be read"))
        }
    }

    /// A child's own watcher found a deadlock (child_hangs.py): the run's findings say so, once per process, with
    /// its first cycle. The child was not stopped for it (a Pool would wait forever for a worker killed from inside);
    /// the target's end or its `--timeout` ended the run, and the headline says which (RunSummary.describeEnd).
    static func childDeadlocks(_ processes: [ProcessReport]) -> [Finding] {
        processes.compactMap { process in
            guard let first = process.findings.first(where: { $0.kind == "deadlock" }) else { return nil }
            var finding = first
            finding.kind = "child_deadlock"
            finding.message = "process \(process.pid) (\(process.role)) deadlocked: \(first.message)"
            return finding
        }
    }

    /// Issue 16: the section when the target sent statements or opened connections.
    static func addQueries(to report: inout Report, capture: QueryCapture) {
        if !capture.statements.isEmpty || !capture.connections.isEmpty || !capture.pools.isEmpty {
            report.queries = QueryAnalysis.section(capture)
        }
        if let error = capture.error {
            report.diagnostics.append(Diagnostic(.warning, "no database statement figures: \(error)"))
        }
    }

    static func addAllocations(to report: inout Report, capture: RunCapture) {
        guard let record = capture.allocations else {
            let why = capture.allocationsError.map { ": \($0)" }
                ?? " (os._exit, a crash or a kill ends the process before they are saved)"
            report.diagnostics.append(Diagnostic(.warning, "no allocation figures\(why)"))
            return
        }
        report.allocations = AllocationAnalysis.analyze(record)
        if record.dropped > 0 {
            report.diagnostics.append(Diagnostic(.warning, "\(record.dropped) allocation samples lost: pyinspect ran short of memory"))
        }
    }

    /// What the user should read first about how the target ended.
    static func findings(report: Report, capture: RunCapture, request: RunRequest) -> [Finding] {
        var found: [Finding] = []
        let top = report.stacks?.first?.frames.first
        let whereText = top.map { " at \($0.file):\($0.line) in \($0.function)" } ?? ""
        if report.verdict == .memoryLimit, let limit = request.memoryLimitBytes {
            var finding = Finding(
                kind: "memory_limit",
                message: "the target ran out of its --memory-limit of \(formatBytes(Int64(clamping: limit)))"
                    + (report.exception.map { " (uncaught \($0.type))" } ?? "")
                    + (report.exception?.stack?.first.map { " at \($0.file):\($0.line) in \($0.function)" } ?? whereText))
            finding.stack = report.exception?.stack ?? report.stacks?.first?.frames
            found.append(finding)
        }
        if let exit = report.targetExit, let signal = exit.signal, report.verdict == .crash {
            var finding = Finding(kind: "fatal_signal", message: "the target was killed by \(signalName(signal))\(whereText)")
            finding.stack = report.stacks?.first?.frames
            found.append(finding)
        }
        if let exit = capture.osExit {
            var finding = Finding(
                kind: "os_exit",
                message: "the target called os._exit(\(exit.code))"
                    + (exit.frames.first.map { " at \($0.file):\($0.line) in \($0.function)" } ?? "")
                    + ": no atexit handlers or finalization ran")
            finding.stack = exit.frames
            found.append(finding)
        }
        if let exception = report.exception {
            if exception.type == "RecursionError" {
                var finding = Finding(kind: "recursion", message: "infinite recursion: \(exception.message)"
                    + (exception.stack?.first.map { " at \($0.file):\($0.line) in \($0.function)" } ?? ""))
                finding.stack = exception.stack
                found.append(finding)
            } else if exception.message.contains("[Errno 24]") || exception.message.contains("[Errno 23]") {
                var finding = Finding(kind: "file_descriptors", message: "the target ran out of file descriptors: \(exception.message)"
                    + (exception.stack?.first.map { " at \($0.file):\($0.line) in \($0.function)" } ?? ""))
                finding.stack = exception.stack
                found.append(finding)
            }
        }
        return found
    }

    /// The threads seen when the target never wrote its end record: the main thread and those it started.
    static func threadsWithoutEnd(_ capture: RunCapture) -> [ThreadInfo] {
        guard capture.started else { return [] }
        let main = ThreadInfo(name: "MainThread", ident: capture.mainThreadIdent, nativeId: capture.pid.map(Int64.init),
                              daemon: false, startedS: 0, endedS: nil)
        return [main] + capture.startedThreads
    }

    static func diagnostics(outcome: ChildOutcome, capture: RunCapture) -> [Diagnostic] {
        var found: [Diagnostic] = []
        if outcome.killedBySupervisor {
            found.append(Diagnostic(.warning, "the target did not stop at the timeout and was killed (SIGKILL)"))
        }
        if outcome.forwardedSignal != 0 {
            found.append(Diagnostic(.note, "\(signalName(outcome.forwardedSignal)) sent to pyinspect was passed to the target"))
        }
        if capture.timeoutFired && capture.end == nil {
            found.append(Diagnostic(.warning, "at the timeout the GIL stayed held (a C call that never let go): the stacks are from a dump taken without it, and figures after the last record are missing"))
        } else if capture.started && capture.end == nil && !outcome.killedBySupervisor && capture.osExit == nil {
            found.append(Diagnostic(.warning, "the target ended without finalizing (os._exit or a fatal signal): figures after its last record are missing"))
        }
        if capture.unreadableLines > 0 {
            found.append(Diagnostic(.warning, "\(capture.unreadableLines) capture records could not be read"))
        }
        if capture.foreignRecords > 0 {
            found.append(Diagnostic(.note, "\(capture.foreignRecords) records from processes the target forked were set aside"))
        }
        if let gc = capture.end?.gc, gc.enabledAtEnd == false {
            found.append(Diagnostic(.note, "the target disabled the garbage collector (gc.disable())"))
        }
        found += TargetInterference.diagnostics(capture: capture)
        if let leftovers = LeftoverDiagnostic.diagnostic(outcome: outcome) { found.append(leftovers) }
        return found
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}

/// "SIGSEGV" for 11, as the kernel names them.
public func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        24: "SIGXCPU", 25: "SIGXFSZ",
    ]
    return names[signal] ?? "signal \(signal)"
}
