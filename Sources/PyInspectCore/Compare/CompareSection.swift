/// The `compare` section of the report: each mode's figures (medians over the rounds) and the recommendation.
public struct CompareSection: Codable, Sendable, Equatable {
    /// serial, threads or processes.
    public var recommendation: String
    /// The reason, in words built from the figures.
    public var reason: String
    public var target: String
    public var tasks: Int
    public var workers: Int
    public var startMethod: String
    public var rounds: Int
    /// serial, threads, processes.
    public var modes: [String: CompareMode]
    /// CPUs the measurement may run on (its affinity mask), when known.
    public var cores: Int?
    /// The 1-minute load average as the modes started (median over modes and rounds), when known.
    public var loadAverage1m: Double?

    enum CodingKeys: String, CodingKey {
        case recommendation, reason, target, tasks, workers, startMethod = "start_method", rounds, modes
        case cores, loadAverage1m = "load_average_1m"
    }
}

public struct CompareMode: Codable, Sendable, Equatable {
    /// Median wall seconds for all the tasks (processes: pool start-up included).
    public var wallS: Double
    /// Median CPU seconds, worker processes included.
    public var cpuS: Double
    /// Serial wall over this mode's wall.
    public var speedup: Double
    /// Speedup per worker (1.0: every worker fully used).
    public var efficiency: Double
    /// CPU seconds per wall second: how many cores the mode kept busy. About 1.0 under threads means the GIL
    /// (or the work) serialised them.
    public var parallelism: Double
    /// Bytes pickled to and from worker processes (0 for serial and threads).
    public var pickledBytes: Int64
    public var pickledBytesOut: Int64?
    public var pickledBytesBack: Int64?
    /// Processes: seconds until the pool's workers answered.
    public var startupS: Double?
    /// Peak RSS of the measuring process (serial, threads) or of the largest worker (processes).
    public var peakRssBytes: Int64
    public var workerPeakRssBytes: [Int64]?
    /// Every round's wall seconds, for the chart and to judge the spread.
    public var roundsWallS: [Double]
    /// Threads: the GIL during the first round's thread pool, traced exactly (docs/gil.md).
    public var gil: CompareGIL?
    /// Cores left for this mode (median over rounds): `cores` minus the CPU other processes used on them per
    /// wall second of the mode's run. Below 1.5, a pool could not run its workers in parallel.
    public var coresFree: Double?
    /// Median CPU seconds other processes used on our cores during this mode's run.
    public var otherCpuS: Double?
    /// Median seconds our threads (and, for processes, the workers) were runnable but waiting for a CPU
    /// (schedstat's run delay).
    public var runDelayS: Double?

    enum CodingKeys: String, CodingKey {
        case wallS = "wall_s", cpuS = "cpu_s", speedup, efficiency, parallelism, pickledBytes = "pickled_bytes"
        case pickledBytesOut = "pickled_bytes_out", pickledBytesBack = "pickled_bytes_back", startupS = "startup_s"
        case peakRssBytes = "peak_rss_bytes", workerPeakRssBytes = "worker_peak_rss_bytes"
        case roundsWallS = "rounds_wall_s", gil
        case coresFree = "cores_free", otherCpuS = "other_cpu_s", runDelayS = "run_delay_s"
    }
}

/// The GIL under the thread pool: how much of the time some thread held it, and how long threads waited.
public struct CompareGIL: Codable, Sendable, Equatable {
    public var mode: String
    public var heldFraction: Double
    /// The largest share of the run one thread spent waiting for the GIL.
    public var maxWaitFraction: Double
    public var switches: Int64
    /// The GIL verdict's kind: gil_bound, long_c_call, convoy, contended, not_gil_bound.
    public var verdict: String

    public init(mode: String, heldFraction: Double, maxWaitFraction: Double, switches: Int64, verdict: String) {
        self.mode = mode
        self.heldFraction = heldFraction
        self.maxWaitFraction = maxWaitFraction
        self.switches = switches
        self.verdict = verdict
    }

    enum CodingKeys: String, CodingKey {
        case mode, heldFraction = "held_fraction", maxWaitFraction = "max_wait_fraction", switches, verdict
    }
}

/// One round's raw figures for a mode, as compare.py measures them.
public struct CompareRoundFigures: Codable, Sendable, Equatable {
    public var wallS: Double
    public var cpuS: Double
    public var startupS: Double?
    public var peakRssBytes: Int64?
    public var workerPeakRssBytes: [Int64]?
    public var pickledBytesOut: Int64?
    public var pickledBytesBack: Int64?
    /// The machine during this mode's run (compare.py's `_Load`): CPUs we may use, the load average as it
    /// started, CPU seconds other processes used on those CPUs, our threads' and workers' run delay.
    public var cores: Int?
    public var loadAverage1m: Double?
    public var otherCpuS: Double?
    public var runDelayS: Double?

    public init(wallS: Double, cpuS: Double, startupS: Double? = nil, peakRssBytes: Int64? = nil,
                pickledBytesOut: Int64? = nil, pickledBytesBack: Int64? = nil, cores: Int? = nil,
                loadAverage1m: Double? = nil, otherCpuS: Double? = nil, runDelayS: Double? = nil) {
        self.wallS = wallS
        self.cpuS = cpuS
        self.startupS = startupS
        self.peakRssBytes = peakRssBytes
        self.pickledBytesOut = pickledBytesOut
        self.pickledBytesBack = pickledBytesBack
        self.cores = cores
        self.loadAverage1m = loadAverage1m
        self.otherCpuS = otherCpuS
        self.runDelayS = runDelayS
    }

    /// Cores left for this round of the mode: `cores` minus what other processes used per wall second.
    var coresFree: Double? {
        guard let cores, let otherCpuS, wallS > 0 else { return nil }
        return min(Double(cores), max(0, Double(cores) - otherCpuS / wallS))
    }

    enum CodingKeys: String, CodingKey {
        case wallS = "wall_s", cpuS = "cpu_s", startupS = "startup_s", peakRssBytes = "peak_rss_bytes"
        case workerPeakRssBytes = "worker_peak_rss_bytes", pickledBytesOut = "pickled_bytes_out"
        case pickledBytesBack = "pickled_bytes_back"
        case cores, loadAverage1m = "load_average_1m", otherCpuS = "other_cpu_s", runDelayS = "run_delay_s"
    }
}
