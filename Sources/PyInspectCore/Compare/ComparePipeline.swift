import CPythonShim
import FoundationEssentials
import Glibc

/// `pyinspect compare`: measure the three modes in a supervised child, then decide and report in the parent.
public enum ComparePipeline {
    public enum Result {
        case report(Report)
        /// The target never ran (bad spec, missing, syntax error); the one-line reason is already on stderr.
        case notRun(status: Int32)
    }

    /// Adaptive rounds: at least this many, at most `maxRounds`, within the request's time budget.
    static let minRounds = 3
    static let maxRounds = 7

    public static func inspect(_ request: CompareRequest) -> Result {
        guard let start = PipelineStart.make() else { return .notRun(status: ExitStatus.internalError) }
        let (helper, workspace) = (start.helper, start.workspace)
        defer { workspace.remove() }
        let outcome: ChildOutcome
        do {
            // Generous: the budget bounds the rounds, a round itself may still be slow.
            let limits = Supervisor.Limits(killAfterSeconds: request.budgetSeconds * 4 + 60)
            outcome = try Supervisor.run(limits: limits) {
                measureInChild(request: request, helper: helper, capturePath: workspace.capturePath)
            }
        } catch {
            writeError("\(error)")
            return .notRun(status: ExitStatus.internalError)
        }
        let capture = CompareCapture.read(path: workspace.capturePath)
        if capture.rounds.isEmpty, capture.raised == nil, case .exited(let code) = outcome.ending,
            [ExitStatus.usage, ExitStatus.targetSyntaxError, ExitStatus.targetNotFound, ExitStatus.internalError]
                .contains(code)
        {
            return .notRun(status: code)
        }
        return .report(build(request: request, outcome: outcome, capture: capture, capturePath: workspace.capturePath))
    }

    public static func execute(_ request: CompareRequest) -> Int32 {
        var request = request
        request.jsonPath = request.jsonPath.map { $0 == "-" ? $0 : absolutePath($0) }
        request.htmlPath = request.htmlPath.map(absolutePath)
        request.junitPath = request.junitPath.map(absolutePath)
        let report: Report
        switch inspect(request) {
        case .notRun(let status): return status
        case .report(let made): report = made
        }
        if !request.quiet { writeStandardError(CompareSummary.render(report)) }
        do {
            if let path = request.jsonPath { try ReportJSON.write(report, to: path) }
            if let path = request.htmlPath {
                try Data(CompareHTMLReport.render(report).utf8).write(to: URL(fileURLWithPath: path))
            }
            if let path = request.junitPath {
                try JUnitReport.write(suite: "pyinspect compare", cases: [JUnitReport.testCase(for: report)], to: path)
            }
        } catch {
            writeError("cannot write a report: \(error)")
            return ExitStatus.internalError
        }
        return report.exitStatus
    }

    /// In the child: start Python, check the target, run rounds of all three modes into the capture.
    static func measureInChild(request: CompareRequest, helper: PythonHelper, capturePath: String) -> Int32 {
        let interpreter = PythonPaths.childInterpreter()
        let code = EmbeddedTarget.startInterpreter(
            argv: [interpreter], anchor: PythonPaths.pathAnchor(), sysExecutable: interpreter)
        if code != 0 { return code }
        pyi_child_catch_interrupts()
        func argument(_ mode: String?) -> String {
            let value = CompareArgument(
                target: request.target, tasks: request.tasks, workers: request.workers,
                startMethod: request.startMethod, mode: mode)
            return (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        // Ctrl-C or SIGTERM: what was measured (the current round's modes too) goes to the capture, then a record
        // saying which signal stopped the run and where.
        var parts: [String] = []
        var round = 1
        var current = "check"
        func interrupted(_ signal: Int32) -> Int32 {
            for part in parts {
                CaptureAppend.line(#"{"record":"compare_part","# + part.dropFirst(), to: capturePath)
            }
            if !parts.isEmpty { CaptureAppend.line(#"{"record":"compare_round_end"}"#, to: capturePath) }
            let place = current == "end" ? "" : #","round":\#(round),"mode":"\#(current)""#
            CaptureAppend.line(#"{"record":"compare_interrupted","signal":\#(signal)\#(place)}"#, to: capturePath)
            return ExitStatus.success
        }
        do {
            let check = try helper.call("compare", "check", argument(nil))
            if let signal = interruption(check) { return interrupted(signal) }
            if let failure = childFailure(check, capturePath: capturePath) { return failure }
            let started = monotonicSeconds()
            var done = 0
            var longest = 0.0
            while true {
                let roundStart = monotonicSeconds()
                parts = []
                round = done + 1
                for mode in ["serial", "threads", "processes"] {
                    current = mode
                    // The first round's thread pool runs under the exact GIL tracer: its figures explain threads.
                    let traced = done == 0 && mode == "threads"
                    var problem: String?
                    let session = traced ? GILTraceSession.start(options: GILOptions(), capturePath: capturePath, problem: &problem) : nil
                    let measured: String
                    do {
                        measured = try helper.call("compare", "measure", argument(mode))
                    } catch {
                        if let session { GILTraceSession.finish(started: session, capturePath: capturePath) }
                        guard let signal = interruption(error) else { throw error }
                        return interrupted(signal)
                    }
                    if let session { GILTraceSession.finish(started: session, capturePath: capturePath) }
                    if let signal = interruption(measured) {
                        // The signal came as the mode ended: its figures are complete, keep them.
                        if (try? JSONDecoder().decode(CompareReply.self, from: Data(measured.utf8)))?.ok == true {
                            parts.append(measured)
                        }
                        return interrupted(signal)
                    }
                    if let failure = childFailure(measured, capturePath: capturePath) { return failure }
                    parts.append(measured)
                }
                for part in parts {
                    CaptureAppend.line(#"{"record":"compare_part","# + part.dropFirst(), to: capturePath)
                }
                CaptureAppend.line(#"{"record":"compare_round_end"}"#, to: capturePath)
                parts = []
                done += 1
                longest = max(longest, monotonicSeconds() - roundStart)
                if let fixed = request.rounds {
                    if done >= fixed { break }
                    continue
                }
                let elapsed = monotonicSeconds() - started
                if done >= maxRounds || (done >= minRounds && elapsed + longest > request.budgetSeconds) { break }
            }
        } catch {
            if let signal = interruption(error) { return interrupted(signal) }
            writeError("compare failed inside Python: \(error)")
            return ExitStatus.internalError
        }
        // Ctrl-C as the last round ended: every figure is there, but the user's interrupt still sets the verdict.
        let late = pyi_child_interrupt_signal()
        if late != 0 {
            current = "end"
            return interrupted(late)
        }
        return ExitStatus.success
    }

    /// The signal that stopped the measuring child: the one its handler saw, else SIGINT when it showed only as
    /// a KeyboardInterrupt (the target installed its own SIGINT handler). nil: not interrupted.
    static func interruption(_ error: Error) -> Int32? {
        let signal = pyi_child_interrupt_signal()
        if signal != 0 { return signal }
        return String(describing: error).hasPrefix("KeyboardInterrupt") ? SIGINT : nil
    }

    /// Same, for a reply: a helper reply that says the target raised KeyboardInterrupt.
    static func interruption(_ reply: String) -> Int32? {
        let signal = pyi_child_interrupt_signal()
        if signal != 0 { return signal }
        let decoded = try? JSONDecoder().decode(CompareReply.self, from: Data(reply.utf8))
        return decoded?.raised?.type == "KeyboardInterrupt" ? SIGINT : nil
    }

    /// A helper reply that says the target cannot be measured: the exit status, after saying why.
    static func childFailure(_ reply: String, capturePath: String) -> Int32? {
        guard let decoded = try? JSONDecoder().decode(CompareReply.self, from: Data(reply.utf8)), !decoded.ok else {
            return nil
        }
        if decoded.raised != nil {
            CaptureAppend.line(#"{"record":"compare_raised","# + reply.dropFirst(), to: capturePath)
            return ExitStatus.targetRaised
        }
        writeError(decoded.message ?? "cannot measure the target")
        switch decoded.problem {
        case "syntax_error": return ExitStatus.targetSyntaxError
        case "not_found": return ExitStatus.targetNotFound
        default: return ExitStatus.usage
        }
    }

    static func build(
        request: CompareRequest, outcome: ChildOutcome, capture: CompareCapture, capturePath: String
    ) -> Report {
        let completed = !capture.rounds.isEmpty && capture.raised == nil && outcome.ending == .exited(0)
        var status: Int32
        if capture.raised != nil {
            status = ExitStatus.targetRaised
        } else if completed {
            status = ExitStatus.success
        } else {
            status = outcome.shellStatus == 0 ? ExitStatus.internalError : outcome.shellStatus
        }
        var verdict: Verdict = completed ? .clean : .error
        let interruption = capture.interrupted ?? LeaksPipeline.interruptingSignal(outcome).map {
            CompareCapture.Interrupted(signal: $0, round: nil, mode: nil)
        }
        if let interruption {
            verdict = .interrupted
            status = interruption.signal == SIGINT ? ExitStatus.interrupted : ExitStatus.killedBySignal(interruption.signal)
        }
        var report = Report(command: "compare", verdict: verdict, exitStatus: status)
        report.target = TargetInfo(kind: "function", value: request.target, arguments: [])
        report.wallS = RunReportBuilder.rounded(outcome.wallSeconds)
        report.cpuS = RunReportBuilder.rounded(outcome.userCPUSeconds + outcome.systemCPUSeconds)
        report.peakRssBytes = outcome.peakRSSBytes
        if let raised = capture.raised {
            report.exception = ExceptionInfo(type: raised.type, module: nil, message: raised.message)
            report.stacks = [ThreadStack(name: "MainThread", ident: nil, nativeId: nil, frames: raised.stack)]
        }
        if !capture.rounds.isEmpty {
            let gil = GILCapture.read(capturePath: capturePath).map { GILAnalysis.analyze($0, threads: []) }
            report.compare = CompareAnalysis.section(request: request, rounds: capture.rounds, threadsGIL: gil)
        }
        if let interruption {
            report.diagnostics.append(Diagnostic(.warning, interruption.message(modes: report.compare?.modes.keys.sorted() ?? [])))
            if var section = report.compare, section.modes.count < 3 {
                section.reason = "interrupted before every mode was measured: no recommendation"
                report.compare = section
            }
        } else if case .signaled(let signal) = outcome.ending {
            report.diagnostics.append(Diagnostic(.error, "the measuring process was killed by \(signalName(signal))"))
        }
        return report
    }

    struct CompareArgument: Encodable {
        var target: String
        var tasks: Int
        var workers: Int
        var startMethod: String
        var mode: String?
        enum CodingKeys: String, CodingKey { case target, tasks, workers, startMethod = "start_method", mode }
    }

    struct CompareReply: Decodable {
        var ok: Bool
        var problem: String?
        var message: String?
        var raised: CompareCapture.Raised?
    }
}

/// The rounds and the failure the child wrote.
struct CompareCapture {
    struct Raised: Codable {
        var type: String
        var message: String
        var stack: [StackFrame]
    }
    private struct Round: Decodable { var modes: [String: CompareRoundFigures] }
    private struct RaisedRecord: Decodable { var raised: Raised }

    /// Ctrl-C or SIGTERM stopped the measuring: the signal, and the round and mode it stopped in.
    struct Interrupted: Decodable {
        var signal: Int32
        var round: Int?
        var mode: String?

        func message(modes: [String]) -> String {
            let place = round.map { r in " during round \(r)" + (mode.map { " (\($0))" } ?? "") } ?? ""
            let kept = modes.isEmpty ? "nothing was measured" : "measured: \(modes.joined(separator: ", "))"
            return "interrupted by \(signalName(signal))\(place): \(kept)"
        }
    }
    private struct InterruptedRecord: Decodable {
        var record: String
        var signal: Int32
        var round: Int?
        var mode: String?
    }

    var rounds: [[String: CompareRoundFigures]] = []
    var raised: Raised?
    var interrupted: Interrupted?

    static func read(path: String) -> CompareCapture {
        var capture = CompareCapture()
        guard let data = FileManager.default.contents(atPath: path) else { return capture }
        let decoder = JSONDecoder()
        var current: [String: CompareRoundFigures] = [:]
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            let text = Data(line)
            if line.starts(with: Array(#"{"record":"compare_part""#.utf8)), let part = try? decoder.decode(Round.self, from: text) {
                current.merge(part.modes) { _, new in new }
            } else if line.starts(with: Array(#"{"record":"compare_round_end""#.utf8)) {
                capture.rounds.append(current)
                current = [:]
            } else if line.starts(with: Array(#"{"record":"compare_interrupted""#.utf8)),
                let record = try? decoder.decode(InterruptedRecord.self, from: text)
            {
                capture.interrupted = Interrupted(signal: record.signal, round: record.round, mode: record.mode)
            } else if let record = try? decoder.decode(RaisedRecord.self, from: text) {
                capture.raised = record.raised
            }
        }
        return capture
    }
}
