import FoundationEssentials
import Glibc

/// pyinspect as a Swift library: run Python code under the same instruments as the CLI and get the same
/// ``Report`` back, for assertions in a Swift test suite.
///
/// Each call starts a fresh `pyinspect run` process (found beside the calling executable, as SwiftPM builds it,
/// or at `PYINSPECT_BINARY`) and decodes its JSON report. A new process, not a fork of the caller: forking a
/// multi-threaded Swift process (a test runner) can leave the child stuck on a lock another thread held, which
/// is what a first version did. A crash or hang in Python never takes the caller down.
///
///     var request = RunRequest(target: .init(kind: .code, value: "import mymodule; mymodule.work()"))
///     request.gil = GILOptions()                       // trace the GIL exactly
///     let report = try PyInspect.run(request)
///     #expect(report.verdict == .clean)
///     #expect((report.gil?.heldFraction ?? 1) < 0.5)   // work() releases the GIL
public enum PyInspect {
    /// Runs `request` and returns its report; nothing is printed by pyinspect and no file is left behind.
    /// - Throws: ``PyInspectError/targetNotRun(status:)`` when the target could not start (missing script,
    ///   syntax error; the one-line reason went to stderr), ``PyInspectError/binaryNotFound`` without a
    ///   `pyinspect` to run.
    public static func run(_ request: RunRequest) throws -> Report {
        guard let binary = locateBinary() else { throw PyInspectError.binaryNotFound }
        let reportPath = temporaryDirectory() + "pyinspect-api-\(getpid())-\(UUID().uuidString).json"
        defer { unlink(reportPath) }
        var arguments = ["run", "--quiet", "--json", reportPath] + options(of: request)
        arguments += Array(request.target.pythonArgv(program: "").dropFirst())
        let status = try spawnAndWait(binary, arguments)
        guard let data = FileManager.default.contents(atPath: reportPath) else {
            throw PyInspectError.targetNotRun(status: status)
        }
        return try JSONDecoder().decode(Report.self, from: data)
    }

    /// Runs `pyinspect compare` on `request.target` and returns its report (`report.compare`).
    /// - Throws: ``PyInspectError/targetNotRun(status:)`` for a bad spec or a missing target (64, 65, 66).
    public static func compare(_ request: CompareRequest) throws -> Report {
        guard let binary = locateBinary() else { throw PyInspectError.binaryNotFound }
        let reportPath = temporaryDirectory() + "pyinspect-api-\(getpid())-\(UUID().uuidString).json"
        defer { unlink(reportPath) }
        var arguments = ["compare", "--quiet", "--json", reportPath, "--tasks", String(request.tasks),
                         "--workers", String(request.workers), "--start-method", request.startMethod,
                         "--budget", String(request.budgetSeconds)]
        if let rounds = request.rounds { arguments += ["--rounds", String(rounds)] }
        let status = try spawnAndWait(binary, arguments + [request.target])
        guard let data = FileManager.default.contents(atPath: reportPath) else {
            throw PyInspectError.targetNotRun(status: status)
        }
        return try JSONDecoder().decode(Report.self, from: data)
    }

    /// `run`'s options for what `request` asks.
    static func options(of request: RunRequest) -> [String] {
        var words: [String] = []
        if let timeout = request.timeoutSeconds { words += ["--timeout", String(timeout)] }
        if request.gil != nil { words.append("--gil") }
        if let limit = request.memoryLimitBytes { words += ["--memory-limit", String(limit)] }
        if request.noHangMonitor { words.append("--no-hangs") }
        return words
    }

    /// `PYINSPECT_BINARY`, else `pyinspect` beside the running executable or up to two levels above it (a
    /// SwiftPM test bundle sits in .build/<config>/ next to it).
    static func locateBinary() -> String? {
        if let explicit = environmentValue("PYINSPECT_BINARY") { return explicit }
        var directory = PathText.deletingLastComponent(PythonPaths.currentExecutable())
        for _ in 0..<3 {
            let candidate = directory + "/pyinspect"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = PathText.deletingLastComponent(directory)
        }
        return nil
    }

    static func spawnAndWait(_ binary: String, _ arguments: [String]) throws -> Int32 {
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, nil, nil, argv, environ)
        guard spawned == 0 else { throw PyInspectError.binaryNotFound }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
    /// The target never ran; `status` is the exit status the CLI gave (65, 66, 70).
    case targetNotRun(status: Int32)
    /// No `pyinspect` executable beside the caller and no `PYINSPECT_BINARY`.
    case binaryNotFound

    public var description: String {
        switch self {
        case .targetNotRun(let status): return "the target did not run (exit status \(status))"
        case .binaryNotFound: return "cannot find the pyinspect executable: build it, or set PYINSPECT_BINARY"
        }
    }
}
