/// What the sampler saw, before any summary: each distinct (thread, task, stack, state) with its sample count.
/// The capture side produces it; the summaries (`profile` section, terminal) and the exports (HTML flame graph,
/// speedscope, collapsed stacks) are computed from it and from nothing else.
public struct ProfileStacks: Codable, Sendable, Equatable {
    /// Samples per second each thread was sampled at.
    public var rateHz: Double
    /// Wall seconds the sampler ran.
    public var durationS: Double
    public var stacks: [ProfileStack]

    public init(rateHz: Double, durationS: Double, stacks: [ProfileStack]) {
        self.rateHz = rateHz
        self.durationS = durationS
        self.stacks = stacks
    }

    enum CodingKeys: String, CodingKey {
        case rateHz = "rate_hz", durationS = "duration_s", stacks
    }
}

/// One distinct stack of one thread in one state, and how many samples landed on it.
public struct ProfileStack: Codable, Sendable, Equatable {
    /// The thread's name (`threading.Thread.name`, or "MainThread").
    public var thread: String
    /// The thread's kernel id (`threading.get_native_id()`).
    public var nativeID: Int
    /// The asyncio task running when the samples were taken (its name), if any.
    public var task: String?
    /// The task's coroutine, qualified name (e.g. "worker"), if any.
    public var coroutine: String?
    /// Outermost frame first, the frame that was executing last.
    public var frames: [ProfileFrame]
    public var state: SampleState
    public var count: Int

    public init(thread: String, nativeID: Int, task: String? = nil, coroutine: String? = nil,
                frames: [ProfileFrame], state: SampleState, count: Int) {
        self.thread = thread
        self.nativeID = nativeID
        self.task = task
        self.coroutine = coroutine
        self.frames = frames
        self.state = state
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case thread, nativeID = "native_id", task, coroutine, frames, state, count
    }
}

/// A Python frame: the code object's qualified name, its file, and the line executing when sampled.
public struct ProfileFrame: Codable, Sendable, Hashable {
    public var function: String
    public var file: String
    public var line: Int
    /// The line the function starts at (its code object's `co_firstlineno`), when known: what names the
    /// function in summaries, where `line` is the line executing. Optional, added by the sampler.
    public var firstLine: Int?

    public init(function: String, file: String, line: Int, firstLine: Int? = nil) {
        self.function = function
        self.file = file
        self.line = line
        self.firstLine = firstLine
    }

    enum CodingKeys: String, CodingKey {
        case function, file, line, firstLine = "first_line"
    }
}

/// What a thread was doing when sampled.
public enum SampleState: String, Codable, Sendable, CaseIterable {
    /// Running Python, or C code holding the GIL.
    case cpu
    /// Waiting to take the GIL (from the GIL tracer's state).
    case gilWait = "gil_wait"
    /// Blocked in a call that released the GIL: sleep, I/O, a lock.
    case offCPU = "off_cpu"
}
