import Foundation

/// pyinspect as a Swift library: run Python code under the same instruments as the CLI and get the same
/// ``Report`` back, for assertions in a Swift test suite.
///
/// Each call runs the target in a forked, supervised child process that embeds CPython 3.11, exactly as
/// `pyinspect run` does, so a crash or hang in Python never takes the caller down. Call it from one thread at
/// a time (fork keeps only the calling thread; mark Swift Testing suites `.serialized`).
///
///     var request = RunRequest(target: .init(kind: .code, value: "import mymodule; mymodule.work()"))
///     request.gil = GILOptions()                       // trace the GIL exactly
///     let report = try PyInspect.run(request)
///     #expect(report.verdict == .clean)
///     #expect((report.gil?.heldFraction ?? 1) < 0.5)   // work() releases the GIL
public enum PyInspect {
    /// Runs `request` and returns its report; nothing is printed and no file is written.
    /// - Throws: ``PyInspectError/targetNotRun(status:)`` when the target could not start (missing module,
    ///   syntax error; the one-line reason went to stderr).
    public static func run(_ request: RunRequest) throws -> Report {
        var quiet = request
        quiet.quiet = true
        quiet.jsonPath = nil
        switch RunPipeline.inspect(quiet) {
        case .report(let report, _): return report
        case .notRun(let status): throw PyInspectError.targetNotRun(status: status)
        }
    }

    /// Hunts leaks in a function called repeatedly with no arguments, as `pyinspect leaks` does, and returns the
    /// report: `verdict` `.leak` or `.clean` (`.error` when it raised, with `exception`), `leaks` with each
    /// leak's kind, site, types and reference chain, `leakHunt` with the per-call series.
    ///
    ///     let report = try PyInspect.leaks(LeaksRequest.parse("tests/fixtures/cache.py:handler"))
    ///     #expect(report.verdict == .clean)
    /// - Throws: ``PyInspectError/targetNotRun(status:)`` when the file, module or function is missing or
    ///   does not compile.
    public static func leaks(_ request: LeaksRequest) throws -> Report {
        var quiet = request
        quiet.quiet = true
        quiet.progress = false
        quiet.jsonPath = nil
        quiet.junitPath = nil
        quiet.htmlPath = nil
        switch LeaksPipeline.inspect(quiet) {
        case .report(let report): return report
        case .notRun(let status): throw PyInspectError.targetNotRun(status: status)
        }
    }

    /// Calls `function` of `module` (as `module:function` would name it) once, under the instruments.
    /// `pythonPath` entries are prepended to sys.path, so tests can point at their fixtures. What Python
    /// raises, an ImportError included, is in the report (`verdict == .error`, `exception`), not thrown.
    public static func call(
        _ module: String, _ function: String, pythonPath: [String] = [], gil: Bool = false,
        timeoutSeconds: Double? = nil
    ) throws -> Report {
        let code = """
            import sys
            sys.path[0:0] = \(pythonLiteral(pythonPath))
            import importlib
            getattr(importlib.import_module(\(pythonLiteral(module))), \(pythonLiteral(function)))()
            """
        var request = RunRequest(target: RunTarget(kind: .code, value: code), timeoutSeconds: timeoutSeconds)
        if gil { request.gil = GILOptions() }
        return try run(request)
    }

    /// A Python string or list-of-strings literal (JSON's escaping is valid Python for these).
    static func pythonLiteral<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]  // "\/" is no escape in Python
        guard let data = try? encoder.encode(value) else { return "None" }
        return String(decoding: data, as: UTF8.self)
    }
}

public enum PyInspectError: Error, Equatable, CustomStringConvertible {
    /// The target never ran; `status` is the exit status the CLI would have used (65, 66, 70).
    case targetNotRun(status: Int32)

    public var description: String {
        switch self {
        case .targetNotRun(let status): return "the target did not run (exit status \(status))"
        }
    }
}
