import CPythonShim
import FoundationEssentials
import Glibc

/// What `pyinspect leaks` needs to know.
public struct LeaksRequest: Sendable {
    public enum Kind: String, Sendable { case file, module }
    public var kind: Kind
    /// The file path or the dotted module name.
    public var value: String
    /// The function to call, maybe dotted (`Class.method` is not supported: it takes no arguments).
    public var function: String
    public var policy = LeakPolicy()
    public var jsonPath: String?
    public var junitPath: String?
    public var htmlPath: String?
    public var quiet = false
    /// Stop the hunt (exit 124) after this many seconds: a call that never returns.
    public var timeoutSeconds: Double?
    /// Progress on stderr (a terminal).
    public var progress = false

    public init(kind: Kind, value: String, function: String) {
        self.kind = kind
        self.value = value
        self.function = function
    }

    /// `path/to/file.py:function` or `package.module:function`.
    public static func parse(_ spec: String) throws -> LeaksRequest {
        guard let colon = spec.lastIndex(of: ":") else {
            throw UsageError("target must be FILE.py:FUNCTION or MODULE:FUNCTION, got '\(printable(spec))'")
        }
        let value = String(spec[..<colon])
        let function = String(spec[spec.index(after: colon)...])
        let identifier = function.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, first == "_" || first.isLetter else { return false }
            return part.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
        }
        guard !value.isEmpty, identifier else {
            throw UsageError("target must be FILE.py:FUNCTION or MODULE:FUNCTION, got '\(printable(spec))'")
        }
        if value.hasSuffix(".py") || value.contains("/") {
            return LeaksRequest(kind: .file, value: value, function: function)
        }
        let moduleOK = value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, first == "_" || first.isLetter else { return false }
            return part.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
        }
        guard moduleOK else {
            throw UsageError("'\(printable(value))' is neither a .py file nor a module name")
        }
        return LeaksRequest(kind: .module, value: value, function: function)
    }
}

/// One measurement after a call, as the helper reports it.
struct LeakSample: Decodable {
    var blocks: Int64
    var native: Int64
    var objects: Int64
    var fds: Int64
    var threads: Int64
    var tasks: Int64
    var seconds: Double
}

/// What the child hands the parent (leaks.json in the capture directory).
struct LeakChildResult: Codable {
    var problem: String?
    var message: String?
    var python: PythonInfo?
    var exception: ExceptionInfo?
    var hunt: LeakHuntSection?
    var leaks: [LeakFinding] = []
    /// Ctrl-C or SIGTERM stopped the hunt: the signal; `hunt` holds the series measured until then.
    var interrupted: Int32?
}

/// The child side: start Python, load the target, call it until every signal is decided, attribute.
enum LeakHuntChild {
    /// connections: database connections opened and not closed (issue 16; queries.py in its leaks mode).
    static let signalNames = ["blocks", "objects", "native", "fds", "threads", "tasks", "references", "connections"]

    private struct StepReply: Decodable {
        var raised: ExceptionInfo?
        var blocks: Int64?
        var native: Int64?
        var objects: Int64?
        var fds: Int64?
        var threads: Int64?
        var tasks: Int64?
        var references: Int64?
        var connections: Int64?
        var seconds: Double?
    }

    private struct LoadReply: Decodable {
        var ok: Bool
        var problem: String?
        var message: String?
        var python: PythonInfo?
        var exception: ExceptionInfo?
    }

    private struct AttributeReply: Decodable {
        var raised: ExceptionInfo?
        var leaks: [LeakFinding]?
        var bounded: [LeakBoundedHolder]?
    }

    private struct LoadArgument: Encodable {
        var kind: String
        var value: String
        var function: String
    }

    private struct AttributeArgument: Encodable {
        var signals: [String]
        var calls: Int
        var native_per_call: Double
        /// Calls between the steps of the slowest-stepping growing count (1 for a leak on every call).
        var period: Int
    }

    static func run(request: LeaksRequest, helper: PythonHelper, resultPath: String) -> Int32 {
        var result = LeakChildResult()
        defer { write(result, to: resultPath) }
        let interpreter = PythonPaths.childInterpreter()
        let anchor = PythonPaths.pathAnchor()
        let inVirtualenv = anchor != PythonPaths.systemPython
        NativeAnalysis.install()  // `_pyinspect_native.heap`: the census's loops in C
        let start = EmbeddedTarget.startInterpreter(
            argv: [interpreter], anchor: anchor, sysExecutable: inVirtualenv ? anchor : interpreter)
        if start != 0 {
            result.problem = "internal"
            return start
        }
        pyi_child_catch_interrupts()
        do {
            let load = try helper.call(
                "leaks", "load", json: LoadArgument(kind: request.kind.rawValue, value: request.value, function: request.function),
                as: LoadReply.self)
            result.python = load.python
            if let signal = interruption(raised: load.exception) {
                result.interrupted = signal
                return 0
            }
            if !load.ok {
                result.problem = load.problem
                result.message = load.message
                result.exception = load.exception
                return 0
            }
            var levels: [[Int64]] = signalNames.map { _ in
                var series: [Int64] = []
                series.reserveCapacity(request.policy.maxCalls + 2)
                return series
            }
            var seconds = 0.0
            // Warm-up calls, then the baseline: the measurement after the last of them (see `warmupCalls`).
            guard let first = try interruptibleStep(helper, count: max(1, request.policy.warmupCalls - 1)),
                interruption(raised: first.raised) == nil
            else {
                result.interrupted = interruption(raised: nil) ?? SIGINT
                return 0
            }
            let second = first.raised == nil && request.policy.warmupCalls > 1 ? try interruptibleStep(helper, count: 1) : first
            guard let warm = second, interruption(raised: warm.raised) == nil else {
                result.interrupted = interruption(raised: nil) ?? SIGINT
                return 0
            }
            if let raised = warm.raised {
                result.exception = raised
                result.problem = "raised"
                return 0
            }
            append(warm, to: &levels)
            seconds += (warm.seconds ?? 0) + (request.policy.warmupCalls > 1 ? first.seconds ?? 0 : 0)
            var stoppedBy = "budget"
            // The budget is the whole loop's time (the target's calls and the measurements between them), less what
            // the hunt waited for a CPU: a loaded machine makes the hunt slower, not shorter.
            let clock = OwnTimeClock()
            var trends = signalNames.map { _ in LeakTrend.undecided }
            let interactive = request.progress
            while true {
                // Ctrl-C or SIGTERM: stop here and keep the series measured so far.
                guard let reply = try interruptibleStep(helper, count: 1), interruption(raised: reply.raised) == nil
                else {
                    result.interrupted = interruption(raised: nil) ?? SIGINT
                    stoppedBy = "interrupted"
                    trends = levels.map { LeakVerdict.trend($0, final: false, policy: request.policy) }
                    break
                }
                if let raised = reply.raised {
                    result.exception = raised
                    result.problem = "raised"
                    return 0
                }
                append(reply, to: &levels)
                seconds += reply.seconds ?? 0
                let calls = levels[0].count - 1
                // Under --calls, judge only once there (judging every call would cost calls² time).
                if calls < request.policy.callsAtLeast { continue }
                let final = clock.seconds >= request.policy.budgetSeconds || calls >= request.policy.maxCalls
                trends = levels.indices.map { index in
                    LeakVerdict.trend(
                        levels[index], final: final, policy: request.policy,
                        exact: LeakVerdict.exactSignals.contains(signalNames[index]))
                }
                if interactive, calls % 10 == 0 {
                    writeStandardError("\rpyinspect leaks: \(calls) calls…")
                }
                if !trends.contains(.undecided) {
                    stoppedBy = final && calls < request.policy.leakCalls ? "budget" : "decided"
                    break
                }
            }
            if interactive { writeStandardError("\r\u{1B}[K") }
            let calls = levels[0].count - 1
            let signals = signalNames.indices.map { index in
                LeakSignal(
                    name: signalNames[index], trend: trends[index],
                    growthPerCall: LeakVerdict.growthPerCall(levels[index]), series: levels[index])
            }
            result.hunt = LeakHuntSection(
                warmupCalls: request.policy.warmupCalls, calls: calls, targetSeconds: seconds, stoppedBy: stoppedBy,
                signals: signals)
            let growing = signals.filter { $0.trend == .growing }.map(\.name)
            if !growing.isEmpty, result.interrupted != nil {
                // Decided before the interrupt; attributing would call the target again.
                result.leaks = [unattributed(growing, reason: "not attributed: the hunt was interrupted")]
            } else if !growing.isEmpty {
                let nativePerCall = signals.first { $0.name == "native" }?.growthPerCall ?? 0
                let period = LeakVerdict.stepPeriod(signals.filter { $0.trend == .growing }.map { ($0.name, $0.series) })
                var reply: AttributeReply
                var stoppedBySignal: Int32?
                do {
                    reply = try helper.call(
                        "leaks", "attribute",
                        json: AttributeArgument(signals: growing, calls: 6, native_per_call: nativePerCall, period: period),
                        as: AttributeReply.self)
                } catch {
                    guard let signal = interruption(error: error) else { throw error }
                    reply = AttributeReply(raised: nil, leaks: nil, bounded: nil)
                    stoppedBySignal = signal
                }
                // Interrupted during attribution: what it finished is kept, the rest is reported unattributed.
                if let signal = stoppedBySignal ?? interruption(raised: reply.raised) {
                    result.interrupted = signal
                    reply.raised = nil
                    if reply.leaks?.isEmpty ?? true {
                        reply.leaks = [unattributed(growing, reason: "not attributed: interrupted during attribution")]
                    }
                }
                if let raised = reply.raised {
                    result.exception = raised
                    result.problem = "raised"
                    return 0
                }
                result.leaks = reply.leaks ?? []
                let bounded = reply.bounded ?? []
                if !bounded.isEmpty { result.hunt?.bounded = bounded }
                if result.leaks.isEmpty && bounded.isEmpty {
                    // Something grew but attribution found nothing to name: still a leak, reported as memory.
                    result.leaks = [LeakFinding(kind: growing.contains("native") ? "native" : "memory",
                                                message: "grew: \(growing.joined(separator: ", "))")]
                }
            }
            // Ctrl-C as the hunt ended: every figure is there, but the user's interrupt still sets the verdict.
            if result.interrupted == nil, let signal = interruption(raised: nil) { result.interrupted = signal }
        } catch {
            if let signal = interruption(error: error) {
                result.interrupted = signal
            } else {
                result.problem = "internal"
                result.message = "\(error)"
            }
        }
        return 0
    }

    /// The signal that stopped the hunt: the one the child's handler saw, else SIGINT when it showed only as
    /// the target's KeyboardInterrupt (a target that installed its own SIGINT handler). nil: not interrupted.
    static func interruption(raised: ExceptionInfo?) -> Int32? {
        let signal = pyi_child_interrupt_signal()
        if signal != 0 { return signal }
        return raised?.type == "KeyboardInterrupt" ? SIGINT : nil
    }

    /// Same, for a helper call that failed: a KeyboardInterrupt outside the target's call (while measuring).
    static func interruption(error: Error) -> Int32? {
        interruption(raised: nil) ?? (String(describing: error).hasPrefix("KeyboardInterrupt") ? SIGINT : nil)
    }

    /// A step, or nil when the interrupt reached Python outside the target's call (while measuring).
    private static func interruptibleStep(_ helper: PythonHelper, count: Int) throws -> StepReply? {
        do {
            return try step(helper, count: count)
        } catch {
            if interruption(error: error) != nil { return nil }
            throw error
        }
    }

    private static func unattributed(_ growing: [String], reason: String) -> LeakFinding {
        LeakFinding(kind: growing.contains("native") ? "native" : "memory",
                    message: "grew: \(growing.joined(separator: ", ")) (\(reason))")
    }

    private static func step(_ helper: PythonHelper, count: Int) throws -> StepReply {
        try helper.call("leaks", "step", json: count, as: StepReply.self)
    }

    private static func append(_ reply: StepReply, to levels: inout [[Int64]]) {
        let values = [
            reply.blocks, reply.objects, reply.native, reply.fds, reply.threads, reply.tasks, reply.references,
            reply.connections,
        ]
        for index in levels.indices { levels[index].append(values[index] ?? 0) }
    }

    /// The parent reads this file; when it cannot be written the parent says "ended without a result", and the
    /// reason is on stderr.
    private static func write(_ result: LeakChildResult, to path: String) {
        do {
            try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: path))
        } catch {
            writeError("cannot write the leak hunt's result to \(path): \(error)")
        }
    }
}
