/// One process of the target's tree in `run`'s report (`processes`; docs/schema/processes.schema.json). The
/// target itself is the report's top level (`pid`, `wall_s`, ...) and is not listed: a direct child's
/// `parent_pid` is the report's `pid`.
public struct ProcessReport: Codable, Sendable, Equatable {
    public var pid: Int32
    public var parentPid: Int32?
    /// Its command line (a forked process keeps its parent's).
    public var command: String
    /// "multiprocessing worker", "resource tracker", "forkserver", "subprocess", "fork" or "command" (a program
    /// that is not Python).
    public var role: String
    /// How it was started: "spawn", "forkserver" or "fork" for multiprocessing workers; "exec" (through
    /// pyinspect-python) or "fork" otherwise.
    public var startMethod: String
    /// Where os.fork was called (forked processes), innermost frame first.
    public var forkSite: [StackFrame]?
    public var wallS: Double?
    public var cpuS: Double?
    public var peakRssBytes: Int64?
    /// Its exit code, when it exited and the code was seen.
    public var exitStatus: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    public var signalName: String?
    /// clean, error (non-zero exit), interrupted (SIGTERM, SIGINT, SIGHUP), crash (another signal), unknown (its
    /// end was not seen).
    public var verdict: String
    public var findings: [Finding] = []
    /// false for a child that ran without pyinspect's instruments (a cleaned environment, a program that is not
    /// Python): only what its reaper saw is known. Absent for the others.
    public var instrumented: Bool?
    /// Why it ran without instruments.
    public var note: String?
    /// `run --allocations`: what this process allocated (pyinspect-python processes; docs/allocations.md).
    public var allocations: AllocationSection?
    /// `run --gil`: this process's own GIL figures (pyinspect-python processes that ended normally; docs/gil.md).
    public var gil: GILSection?
    /// The database statements this process sent (as the report's `queries`; docs/queries.md).
    public var queries: QuerySection?

    public init(pid: Int32, command: String, role: String, startMethod: String, verdict: String) {
        self.pid = pid
        self.command = command
        self.role = role
        self.startMethod = startMethod
        self.verdict = verdict
    }

    enum CodingKeys: String, CodingKey {
        case pid, parentPid = "parent_pid", command, role, startMethod = "start_method", forkSite = "fork_site"
        case wallS = "wall_s", cpuS = "cpu_s", peakRssBytes = "peak_rss_bytes", exitStatus = "exit_status", signal
        case signalName = "signal_name", verdict, findings, allocations
        case instrumented, note
        case gil, queries
    }
}
