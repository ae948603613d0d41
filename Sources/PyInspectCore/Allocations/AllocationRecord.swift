/// The `allocations` capture record (pyscripts/pyinspect/allocations.py, from alloc_sampler.c): every distinct
/// Python stack the sampler saw, with estimated bytes. Stacks share their outer frames, so they are stored as a
/// tree: `nodes[n]` is `[frame index, parent node]` (parent -1 at the outermost frame), and a stack is its
/// innermost node. Each frame is listed once in `frames`.
public struct AllocationRecord: Codable, Sendable, Equatable {
    public var sampleBytes: UInt64
    public var allocatedBytes: Double
    public var peakBytes: Double
    /// Still allocated when the target ended (or was stopped).
    public var liveBytes: Double
    public var samples: UInt64
    /// Samples lost because the sampler's own tables could not grow (out of memory).
    public var dropped: UInt64
    public var frames: [Frame]
    public var nodes: [[Int]]
    public var stacks: [Stack]

    public struct Stack: Codable, Sendable, Equatable {
        /// The innermost frame's node; -1 for an allocation made with no Python frame running.
        public var node: Int
        /// Deeper than the sampler keeps: the middle frames are missing, the outermost is kept.
        public var truncated: Bool
        public var allocatedBytes: Double
        /// Estimated number of allocations.
        public var allocations: Double
        /// This stack's live bytes when the whole process's sampled live bytes were at their peak.
        public var peakBytes: Double
        public var liveBytes: Double
        public var samples: UInt64

        public init(node: Int, truncated: Bool = false, allocatedBytes: Double, allocations: Double,
                    peakBytes: Double, liveBytes: Double, samples: UInt64) {
            self.node = node
            self.truncated = truncated
            self.allocatedBytes = allocatedBytes
            self.allocations = allocations
            self.peakBytes = peakBytes
            self.liveBytes = liveBytes
            self.samples = samples
        }

        enum CodingKeys: String, CodingKey {
            case node, truncated, allocatedBytes = "allocated_bytes", allocations, peakBytes = "peak_bytes"
            case liveBytes = "live_bytes", samples
        }
    }

    public struct Frame: Codable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var function: String
        /// The standard library, an installed package or frozen/generated code: not the user's own line.
        public var library: Bool
        /// pyinspect's own helpers (they run in the target's interpreter too).
        public var pyinspect: Bool

        public init(file: String, line: Int, function: String, library: Bool, pyinspect: Bool = false) {
            self.file = file
            self.line = line
            self.function = function
            self.library = library
            self.pyinspect = pyinspect
        }
    }

    public init(sampleBytes: UInt64, allocatedBytes: Double, peakBytes: Double, liveBytes: Double, samples: UInt64,
                dropped: UInt64 = 0, frames: [Frame], nodes: [[Int]], stacks: [Stack]) {
        self.sampleBytes = sampleBytes
        self.allocatedBytes = allocatedBytes
        self.peakBytes = peakBytes
        self.liveBytes = liveBytes
        self.samples = samples
        self.dropped = dropped
        self.frames = frames
        self.nodes = nodes
        self.stacks = stacks
    }

    /// The stack's frames, innermost first (an out-of-range index ends the walk: a damaged capture, not a crash).
    public func frames(of stack: Stack) -> [Frame] {
        var result: [Frame] = []
        var node = stack.node
        while nodes.indices.contains(node), nodes[node].count == 2, result.count <= nodes.count {
            let frame = nodes[node][0]
            guard frames.indices.contains(frame) else { break }
            result.append(frames[frame])
            node = nodes[node][1]
        }
        return result
    }

    enum CodingKeys: String, CodingKey {
        case sampleBytes = "sample_bytes", allocatedBytes = "allocated_bytes", peakBytes = "peak_bytes"
        case liveBytes = "live_bytes", samples, dropped, frames, nodes, stacks
    }
}
