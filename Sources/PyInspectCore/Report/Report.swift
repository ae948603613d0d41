/// The JSON report (`--json FILE`): a public interface, described by docs/report.schema.json. Fields are added,
/// never renamed; `schema_version` changes only on an incompatible change.
public struct Report: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int = Report.currentSchemaVersion
    public var tool: ToolInfo = ToolInfo()
    /// The subcommand that produced the report: run, leaks, gil, compare.
    public var command: String
    public var target: TargetInfo?
    public var python: PythonInfo?
    public var pid: Int32?
    public var verdict: Verdict
    /// pyinspect's own exit status for this run.
    public var exitStatus: Int32
    public var targetExit: TargetExit?
    public var wallS: Double?
    public var cpuS: Double?
    public var cpuUserS: Double?
    public var cpuSystemS: Double?
    public var peakRssBytes: Int64?
    public var gc: GCSummary?
    public var threads: [ThreadInfo] = []
    /// The uncaught exception that ended the target, if any.
    public var exception: ExceptionInfo?
    /// Every thread's stack when the target was stopped (timeout) or died.
    public var stacks: [ThreadStack]?
    /// At a timeout or deadlock stop: the stacks of the target's processes still running (docs/robustness.md).
    public var childStacks: [ChildStack]?
    /// GIL hold and wait times per thread (`pyinspect gil`, `run --gil`); docs/schema/gil.schema.json.
    public var gil: GILSection?
    /// `run --allocations`: sampled allocations by the user's own lines (docs/schema/allocations.schema.json).
    public var allocations: AllocationSection?
    /// `compare`: the three modes measured and the recommendation (docs/compare.md).
    public var compare: CompareSection?
    public var findings: [Finding] = []
    /// asyncio tasks still pending when the target was stopped (deadlock or timeout).
    public var tasks: [TaskReport]?
    public var diagnostics: [Diagnostic] = []
    /// `leaks`: the leaks found, one entry each (docs/schema/leaks.schema.json).
    public var leaks: [LeakFinding]?
    /// `leaks`: how the verdict was reached, with the per-call series.
    public var leakHunt: LeakHuntSection?
    /// `run`: the target's child processes, each measured (docs/schema/processes.schema.json, docs/processes.md).
    public var processes: [ProcessReport]?
    /// `deps`: the environment and where each imported module came from (docs/schema/deps.schema.json, docs/deps.md).
    public var deps: DepsSection?
    /// Services: the checkpoints taken while the target ran (`pyinspect checkpoint`, docs/services.md).
    public var checkpoints: [CheckpointSummary]?
    /// Profile (issue 15): `pyinspect profile`, `run --profile`; docs/schema/profile.schema.json, docs/profile.md.
    public var profile: ProfileSection?
    /// Profile (issue 15): the raw stacks the `profile` section was computed from, for the exports (flame
    /// graph, speedscope, collapsed stacks). Not part of the JSON report.
    public var profileStacks: ProfileStacks? = nil
    /// `run`: the database statements the target sent (docs/schema/queries.schema.json, docs/queries.md).
    public var queries: QuerySection?
    /// `run --metrics`: the Prometheus endpoint's address and scrapes (docs/schema/metrics.schema.json).
    public var metrics: MetricsSection?
    /// `run` (issue 18): asyncio tasks per creation site, most alive at once first (docs/hangs.md).
    public var taskSites: [TaskSiteReport]?

    public init(command: String, verdict: Verdict, exitStatus: Int32) {
        self.command = command
        self.verdict = verdict
        self.exitStatus = exitStatus
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", tool, command, target, python, pid, verdict
        case exitStatus = "exit_status", targetExit = "target_exit"
        case wallS = "wall_s", cpuS = "cpu_s", cpuUserS = "cpu_user_s", cpuSystemS = "cpu_system_s"
        case peakRssBytes = "peak_rss_bytes", gc, threads, exception, stacks, findings, tasks, diagnostics, gil, compare
        case childStacks = "child_stacks"
        case leaks, leakHunt = "leak_hunt", allocations, processes
        case deps  // issue 19
        case checkpoints  // services
        case profile  // issue 15
        case queries  // issue 16
        case metrics  // run --metrics (issue 17)
        case taskSites = "task_sites"  // issue 18
    }
}

/// The one-word outcome. Commands use the subset that fits them.
public enum Verdict: String, Codable, Sendable {
    /// Ran to its end and exited 0 (`run`), or nothing leaked (`leaks`).
    case clean
    /// Exited non-zero by itself: an uncaught exception or sys.exit(n).
    case error
    /// Stopped by `--timeout`.
    case timeout
    /// Killed by a signal (segfault, abort, SIGKILL) or ended without finalizing.
    case crash
    /// Ctrl-C or SIGINT; SIGTERM or SIGHUP sent to pyinspect.
    case interrupted
    /// Stopped by `--memory-limit`: it ran out of the memory it was allowed.
    case memoryLimit = "memory_limit"
    /// `leaks` found at least one leak.
    case leak
    /// Ran to its end, with findings worth reading.
    case finding
    /// A deadlock was detected and the target stopped.
    case deadlock
}

public struct ToolInfo: Codable, Sendable, Equatable {
    public var name = "pyinspect"
    public var version = PyInspectVersion.current
    public init() {}
}

public enum PyInspectVersion {
    public static let current = "0.1.0"
}

public struct TargetInfo: Codable, Sendable, Equatable {
    public var kind: String
    public var value: String
    public var arguments: [String]
    public init(kind: String, value: String, arguments: [String]) {
        self.kind = kind
        self.value = value
        self.arguments = arguments
    }
}

public struct PythonInfo: Codable, Sendable, Equatable {
    public var version: String
    public var implementation: String
    public var executable: String
    public var prefix: String
    public var basePrefix: String
    public var virtualenv: Bool

    enum CodingKeys: String, CodingKey {
        case version, implementation, executable, prefix, basePrefix = "base_prefix", virtualenv
    }
}

/// How the target process itself ended.
public struct TargetExit: Codable, Sendable, Equatable {
    /// Its exit code, when it exited.
    public var code: Int32?
    /// The signal that killed it, when one did.
    public var signal: Int32?
    public var signalName: String?

    enum CodingKeys: String, CodingKey { case code, signal, signalName = "signal_name" }
}

public struct GCSummary: Codable, Sendable, Equatable {
    /// Collections per generation 0, 1, 2.
    public var collections: [Int]
    public var collected: Int
    public var uncollectable: Int
    public var pauseTotalS: Double
    public var pauseMaxS: Double
    public var enabledAtEnd: Bool?

    enum CodingKeys: String, CodingKey {
        case collections, collected, uncollectable, pauseTotalS = "pause_total_s", pauseMaxS = "pause_max_s"
        case enabledAtEnd = "enabled_at_end"
    }
}

public struct ThreadInfo: Codable, Sendable, Equatable {
    public var name: String
    public var ident: UInt64?
    public var nativeId: Int64?
    public var daemon: Bool?
    /// Seconds from the start of the run.
    public var startedS: Double?
    public var endedS: Double?

    enum CodingKeys: String, CodingKey {
        case name, ident, nativeId = "native_id", daemon, startedS = "started_s", endedS = "ended_s"
    }
}

public struct ExceptionInfo: Codable, Sendable, Equatable {
    public var type: String
    public var module: String?
    public var message: String
    /// Where it was raised, innermost frame first (at most 100 frames: a RecursionError keeps its innermost).
    public var stack: [StackFrame]?
    public init(type: String, module: String?, message: String, stack: [StackFrame]? = nil) {
        self.type = type
        self.module = module
        self.message = message
        self.stack = stack
    }
}

public struct StackFrame: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    public var code: String?
    public init(file: String, line: Int, function: String, code: String? = nil) {
        self.file = file
        self.line = line
        self.function = function
        self.code = code
    }
}

public struct ThreadStack: Codable, Sendable, Equatable {
    public var name: String
    public var ident: UInt64?
    public var nativeId: Int64?
    /// Innermost frame first.
    public var frames: [StackFrame]

    enum CodingKeys: String, CodingKey { case name, ident, nativeId = "native_id", frames }
}

public struct SourceSite: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}

/// Something found in the target worth a person's attention (issue kinds: deadlock, slow_callback, ...).
public struct Finding: Codable, Sendable, Equatable {
    public var kind: String
    public var message: String
    public var task: String?
    public var thread: String?
    public var site: SourceSite?
    public var seconds: Double?
    public var stack: [StackFrame]?
    /// Where the task (or the lock) involved was created.
    public var created: SourceSite?
    /// The exception of an `unretrieved_exception`.
    public var exception: ExceptionInfo?
    /// The names around a deadlock cycle, the first repeated at the end.
    public var cycle: [String]?
    // `deps` (issue 19): whether the program imported the modules involved, and the distribution, requirement
    // and installed version the finding is about.
    public var imported: Bool?
    public var distribution: String?
    public var requirement: String?
    public var installed: String?
    // Database queries (issue 16).
    /// How many times it happened (statements, connections).
    public var count: Int?
    /// What to change, in words.
    public var fix: String?
    /// The normalised statement.
    public var sql: String?
    /// n_plus_one: the line of the query whose rows the loop walks.
    public var parent: SourceSite?
    /// n_plus_one through SQLAlchemy: the relationship lazily loaded (`User.posts`).
    public var relationship: String?
    /// slow_query under `run --explain`: the database's plan, one line per step.
    public var plan: [String]?
    public init(kind: String, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// A problem pyinspect survived: an instrument the target disabled, a capture it could not read.
public struct Diagnostic: Codable, Sendable, Equatable {
    public enum Level: String, Codable, Sendable { case note, warning, error }
    public var level: Level
    public var message: String
    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }
}
