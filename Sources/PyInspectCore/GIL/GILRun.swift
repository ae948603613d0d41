import CPythonShim
import FoundationEssentials
import Glibc

/// Where GIL tracing plugs into `run`'s pipeline: one call at each step, so the shared run files stay small.
enum GILRun {
    /// In the target, before its main runs (holding the GIL). nil when tracing cannot start (said on stderr).
    static func start(options: GILOptions, capturePath: String) -> GILTraceSession.Started? {
        var problem: String?
        let started = GILTraceSession.start(options: options, capturePath: capturePath, problem: &problem)
        if let problem { writeError("GIL tracing unavailable: \(problem)") }
        if let started {
            pending = (started, capturePath, getpid())
            // sys.exit() in a script ends the process inside Py_RunMain (Py_Exit calls exit()): save there too.
            atexit { GILRun.finishPending() }
            // Ctrl-C: Py_RunMain finalizes, then dies of SIGINT without running C atexit handlers.
            _ = pyi_at_python_exit { GILRun.finishPending() }
            // SIGTERM/SIGHUP: the fatal-signal handler hands the signal to a thread that saves, then dies of it.
            _ = pyi_save_before_terminate { GILRun.finishPending() }
        }
        return started
    }

    /// In the target, after its main has returned.
    static func finish(_ started: GILTraceSession.Started, capturePath: String) {
        finishPending()
    }

    /// The tracer runs in this process (services read it for checkpoints: CheckpointGIL).
    static var tracing: Bool { pending.map { $0.pid == getpid() } ?? false }

    /// The trace to save at the end, once (the target process has one trace).
    nonisolated(unsafe) private static var pending: (started: GILTraceSession.Started, capturePath: String, pid: pid_t)?

    static func finishPending() {
        // A child the target forked inherits this state but not the tracer's thread: only the target saves.
        guard let (started, capturePath, pid) = pending, pid == getpid() else { return }
        pending = nil
        GILTraceSession.finish(started: started, capturePath: capturePath)
    }

    /// Parent side: the `gil` section, or a diagnostic saying why it is missing.
    static func addSection(
        to report: inout Report, requested: Bool, capture: GILCapture?, hostThreads: [Int64: String] = [:]
    ) {
        guard requested else { return }
        guard let capture else {
            report.diagnostics.append(Diagnostic(.warning, "no GIL figures: the target ended before pyinspect could save them (os._exit, a crash or the timeout), or tracing could not start"))
            return
        }
        report.gil = GILAnalysis.analyze(capture, threads: report.threads, hostThreads: hostThreads)
        if let reason = capture.record.fallbackReason, capture.record.mode == .sampled {
            report.diagnostics.append(Diagnostic(.note, "GIL figures are sampled every \(capture.record.tickNs / 1_000_000) ms, not exact: \(reason)"))
        }
        let seen = capture.record.allSwitches ?? capture.record.switches
        if capture.record.mode == .exact, seen != capture.record.cpythonSwitches {
            report.diagnostics.append(Diagnostic(.warning, "GIL tracer saw \(seen) switches, CPython counted \(capture.record.cpythonSwitches)"))
        }
        if capture.record.eventsDropped > 0 {
            report.diagnostics.append(Diagnostic(.note, "the GIL timeline kept the first \(capture.record.events) events (\(capture.record.eventsDropped) more not drawn); figures are complete"))
        }
    }

    /// The HTML report, when asked for. Returns an error message or nil.
    static func writeOutputs(request: RunRequest, report: Report, capture: GILCapture?) -> String? {
        guard let path = request.gil?.htmlPath else { return nil }
        guard let section = report.gil, let capture else {
            return "no GIL figures to write to \(path)"
        }
        let html = GILHTMLReport.render(report: report, section: section, capture: capture)
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            return "cannot write \(path): \(error)"
        }
        return nil
    }
}
