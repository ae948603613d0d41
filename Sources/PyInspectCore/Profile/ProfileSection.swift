/// The report's `profile` section (`pyinspect profile`, `run --profile`); docs/schema/profile.schema.json.
public struct ProfileSection: Codable, Sendable, Equatable {
    /// Samples per second each thread was sampled at.
    public var rateHz: Double
    /// Thread samples taken in Python code (all threads, all states).
    public var samples: Int
    /// Of those, the `cpu` and `gil_wait` ones: the denominator of the self and total fractions.
    public var activeSamples: Int
    /// Samples the sampler could not trust (frames changed while read) and did not count.
    public var droppedSamples: Int
    /// Times the sampler woke and read every thread; and the wake-ups it skipped because it ran late.
    public var ticks: Int
    public var missedTicks: Int
    /// By self fraction, then total fraction.
    public var functions: [ProfileFunction]
    public var threads: [ProfileThread]
    public var tasks: [ProfileTask]
    /// The hottest lines of the user's own code (not the standard library, site-packages or pyinspect).
    public var lines: [ProfileLine]

    public init(rateHz: Double, samples: Int, activeSamples: Int, droppedSamples: Int, ticks: Int = 0, missedTicks: Int = 0,
                functions: [ProfileFunction],
                threads: [ProfileThread], tasks: [ProfileTask], lines: [ProfileLine]) {
        self.rateHz = rateHz
        self.samples = samples
        self.activeSamples = activeSamples
        self.droppedSamples = droppedSamples
        self.ticks = ticks
        self.missedTicks = missedTicks
        self.functions = functions
        self.threads = threads
        self.tasks = tasks
        self.lines = lines
    }

    enum CodingKeys: String, CodingKey {
        case rateHz = "rate_hz", samples, activeSamples = "active_samples", droppedSamples = "dropped_samples", ticks
        case missedTicks = "missed_ticks", functions, threads, tasks, lines
    }
}

/// The cpu / gil_wait / off_cpu split of some samples (fractions of them, summing to 1).
public struct StateSplit: Sendable, Equatable {
    public var cpu = 0.0, gilWait = 0.0, offCPU = 0.0
}

public struct ProfileFunction: Codable, Sendable, Equatable {
    public var function: String
    public var file: String
    /// Where the function starts (or, without that, the first line sampled in it).
    public var line: Int
    /// Active samples where it was the innermost frame, over all active samples.
    public var selfFraction: Double
    /// Active samples where it was anywhere on the stack, over all active samples.
    public var totalFraction: Double
    /// Of all the samples where it was on the stack (idle ones too): on CPU, waiting for the GIL, off CPU.
    public var cpuFraction: Double
    public var gilWaitFraction: Double
    public var offCPUFraction: Double

    enum CodingKeys: String, CodingKey {
        case function, file, line, selfFraction = "self_fraction", totalFraction = "total_fraction"
        case cpuFraction = "cpu_fraction", gilWaitFraction = "gil_wait_fraction", offCPUFraction = "off_cpu_fraction"
    }
}

public struct ProfileThread: Codable, Sendable, Equatable {
    public var name: String
    public var nativeId: Int
    public var samples: Int
    public var cpuFraction: Double
    public var gilWaitFraction: Double
    public var offCPUFraction: Double

    enum CodingKeys: String, CodingKey {
        case name, nativeId = "native_id", samples
        case cpuFraction = "cpu_fraction", gilWaitFraction = "gil_wait_fraction", offCPUFraction = "off_cpu_fraction"
    }
}

public struct ProfileTask: Codable, Sendable, Equatable {
    public var name: String
    public var coroutine: String?
    /// Active samples taken while the task ran, and their share of all active samples.
    public var samples: Int
    public var totalFraction: Double

    enum CodingKeys: String, CodingKey { case name, coroutine, samples, totalFraction = "total_fraction" }
}

public struct ProfileLine: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    /// Active samples whose innermost frame of user code was this line, over all active samples.
    public var fraction: Double
    public var cpuFraction: Double
    public var gilWaitFraction: Double
    public var offCPUFraction: Double

    enum CodingKeys: String, CodingKey {
        case file, line, function, fraction
        case cpuFraction = "cpu_fraction", gilWaitFraction = "gil_wait_fraction", offCPUFraction = "off_cpu_fraction"
    }
}
