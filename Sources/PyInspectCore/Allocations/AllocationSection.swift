/// The report's `allocations` section (`run --allocations`; docs/schema/allocations.schema.json).
/// Byte figures are estimates from sampling unless `exact` is true.
public struct AllocationSection: Codable, Sendable, Equatable {
    /// One allocation sampled per this many bytes on average; 1 = every allocation.
    public var sampleBytes: UInt64
    public var exact: Bool
    public var samples: UInt64
    /// Everything the target allocated through Python's allocators, freed or not.
    public var allocatedBytes: Int64
    /// The most the target had allocated at one time.
    public var peakBytes: Int64
    /// Still allocated at the end: what the run left behind (the diff between the start and the end).
    public var liveBytesAtExit: Int64
    /// Allocation sites, largest share of the peak first (then largest left at exit, then most allocated).
    public var sites: [AllocationSite]
    /// How many sites there were in all (`sites` keeps the largest).
    public var siteCount: Int

    enum CodingKeys: String, CodingKey {
        case sampleBytes = "sample_bytes", exact, samples, allocatedBytes = "allocated_bytes", peakBytes = "peak_bytes"
        case liveBytesAtExit = "live_bytes_at_exit", sites, siteCount = "site_count"
    }
}

/// One line of the user's code and the allocations made under it (by it, or by library code it called).
public struct AllocationSite: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    /// Under this line's share of the peak.
    public var peakBytes: Int64
    public var liveBytesAtExit: Int64
    public var allocatedBytes: Int64
    /// Estimated count of allocations.
    public var allocations: Int64
    public var samples: UInt64
    /// No frame of the user's own code was on the stack: the site is the innermost library frame.
    public var library: Bool
    /// The stack that contributed most to this site, innermost first.
    public var traceback: [StackFrame]

    enum CodingKeys: String, CodingKey {
        case file, line, function, peakBytes = "peak_bytes", liveBytesAtExit = "live_bytes_at_exit"
        case allocatedBytes = "allocated_bytes", allocations, samples, library, traceback
    }
}
