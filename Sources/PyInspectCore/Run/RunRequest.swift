/// Everything `pyinspect run` was asked to do.
public struct RunRequest: Sendable {
    public var target: RunTarget
    /// Stop the target after this many seconds and report every thread's stack.
    public var timeoutSeconds: Double?
    /// Absolute (resolved before the target runs, so a target that changes directory cannot move it).
    public var jsonPath: String?
    public var quiet: Bool
    /// `--junit FILE`: JUnit XML with one test case for this run.
    public var junitPath: String?
    /// `run --html FILE`: the run's report as one self-contained page (RunHTMLReport). Absolute, as `jsonPath`.
    public var htmlPath: String?
    /// GIL tracing (`pyinspect gil`, `run --gil`); nil: off.
    public var gil: GILOptions?
    /// The subcommand the report names.
    public var command = "run"
    /// The most memory (heap and private mappings, RLIMIT_DATA) the target process may allocate.
    public var memoryLimitBytes: UInt64?
    /// `--allocations`: sample allocations, one per this many bytes on average (1: every allocation); nil: off.
    public var allocationSampleBytes: UInt64?
    /// `--no-hangs`: no hang monitor, no lock or asyncio instruments (issue 6 features off).
    public var noHangMonitor: Bool = false
    /// `pyinspect deps`: record where each module came from and read the environment at the end; nil: off.
    public var deps: DepsScope?
    /// `--control PATH` (services, docs/services.md): the control socket's path; nil: the default one in the
    /// user's runtime directory, named by pyinspect's pid (ControlPaths).
    public var controlPath: String?
    /// The listening control socket pyinspect made before forking the target (RunPipeline); -1: none.
    var controlListenFD: Int32 = -1
    var controlSocketPath: String?
    /// Sampling profiler (`pyinspect profile`, `run --profile`; issue 15); nil: off.
    public var profile: ProfileOptions?
    /// `--no-queries`: no database statement recording (issue 16).
    public var noQueries: Bool = false
    /// `--metrics HOST:PORT` (docs/services.md "Prometheus metrics"); nil: off, nothing started.
    public var metricsAddress: MetricsAddress?
    /// The listening socket and scrape counter pyinspect made before forking the target (RunPipeline).
    var metricsListening: MetricsListener.Listening?
    /// `--explain`: the database's plan (EXPLAIN QUERY PLAN / EXPLAIN) of each slow statement (issue 16).
    public var explainQueries: Bool = false

    public init(
        target: RunTarget, timeoutSeconds: Double? = nil, jsonPath: String? = nil, quiet: Bool = false,
        memoryLimitBytes: UInt64? = nil
    ) {
        self.target = target
        self.timeoutSeconds = timeoutSeconds
        self.jsonPath = jsonPath
        self.quiet = quiet
        self.memoryLimitBytes = memoryLimitBytes
    }
}
