import Foundation

/// Assembles `run`'s report from the supervisor's measurements and the target's capture.
public enum RunReportBuilder {
    public static func build(
        request: RunRequest, outcome: ChildOutcome, capture: RunCapture, faultHandlerText: String
    ) -> Report {
        let hangSnapshot = capture.hangSnapshot
        let findings = HangFindings.findings(events: capture.hangEvents, snapshot: hangSnapshot)
        let decision = RunVerdict.decide(
            outcome: outcome, capture: capture, timeoutRequested: request.timeoutSeconds != nil,
            hasFindings: !findings.isEmpty)
        var report = Report(command: "run", verdict: decision.verdict, exitStatus: decision.exitStatus)
        report.findings = findings
        report.tasks = HangFindings.tasks(snapshot: hangSnapshot)
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
        report.threads = capture.end?.threads ?? []
        report.exception = capture.end?.exception
        var names: [UInt64: String] = [:]
        for thread in report.threads { if let ident = thread.ident { names[ident] = thread.name } }
        if let stacks = capture.stacks {
            report.stacks = stacks
        } else if !faultHandlerText.isEmpty {
            report.stacks = FaultHandlerDump.parse(faultHandlerText, names: names)
        }
        report.diagnostics = diagnostics(outcome: outcome, capture: capture)
        return report
    }

    static func diagnostics(outcome: ChildOutcome, capture: RunCapture) -> [Diagnostic] {
        var found: [Diagnostic] = []
        if outcome.killedBySupervisor {
            found.append(Diagnostic(.warning, "the target did not stop at the timeout and was killed (SIGKILL)"))
        }
        if outcome.forwardedSignal != 0 {
            found.append(Diagnostic(.note, "\(signalName(outcome.forwardedSignal)) sent to pyinspect was passed to the target"))
        }
        if capture.started && capture.end == nil && !outcome.killedBySupervisor {
            found.append(Diagnostic(.warning, "the target ended without finalizing (os._exit or a fatal signal): figures after its last record are missing"))
        }
        if capture.unreadableLines > 0 {
            found.append(Diagnostic(.warning, "\(capture.unreadableLines) capture records could not be read"))
        }
        if let gc = capture.end?.gc, gc.enabledAtEnd == false {
            found.append(Diagnostic(.note, "the target disabled the garbage collector (gc.disable())"))
        }
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
