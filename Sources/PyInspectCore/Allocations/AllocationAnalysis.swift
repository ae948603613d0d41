/// Turns the sampler's stacks into allocation sites on the user's own lines. Pure: same record, same section.
public enum AllocationAnalysis {
    /// Sites kept in the report, largest first.
    public static let siteLimit = 25

    public static func analyze(_ record: AllocationRecord) -> AllocationSection {
        var sites: [SiteKey: Accumulated] = [:]
        for stack in record.stacks {
            let walked = record.frames(of: stack)
            // Started by pyinspect (a helper the host called), not by the target: the inspector's own allocation.
            if walked.last?.pyinspect == true { continue }
            let frames = walked.filter { !$0.pyinspect }
            let (key, library) = siteKey(frames)
            var site = sites[key] ?? Accumulated(library: library)
            site.peak += stack.peakBytes
            site.live += stack.liveBytes
            site.allocated += stack.allocatedBytes
            site.allocations += stack.allocations
            site.samples += stack.samples
            let weight = stack.peakBytes + stack.liveBytes + stack.allocatedBytes
            if weight > site.heaviestWeight {
                site.heaviestWeight = weight
                site.heaviest = frames
            }
            sites[key] = site
        }
        let ordered = sites.map { key, site in
            AllocationSite(
                file: key.file, line: key.line, function: key.function, peakBytes: Int64(site.peak.rounded()),
                liveBytesAtExit: Int64(site.live.rounded()), allocatedBytes: Int64(site.allocated.rounded()),
                allocations: Int64(site.allocations.rounded()), samples: site.samples, library: site.library,
                traceback: site.heaviest.map { StackFrame(file: $0.file, line: $0.line, function: $0.function) })
        }.sorted(by: isLarger)
        return AllocationSection(
            sampleBytes: record.sampleBytes, exact: record.sampleBytes <= 1, samples: record.samples,
            allocatedBytes: Int64(record.allocatedBytes.rounded()), peakBytes: Int64(record.peakBytes.rounded()),
            liveBytesAtExit: Int64(record.liveBytes.rounded()), sites: Array(ordered.prefix(siteLimit)),
            siteCount: ordered.count)
    }

    /// The first frame of the user's own code, innermost first; without one, the innermost frame.
    static func siteKey(_ frames: [AllocationRecord.Frame]) -> (SiteKey, library: Bool) {
        if let own = frames.first(where: { !$0.library }) {
            return (SiteKey(file: own.file, line: own.line, function: own.function), false)
        }
        guard let innermost = frames.first else {
            return (SiteKey(file: "<no Python frame>", line: 0, function: ""), true)
        }
        return (SiteKey(file: innermost.file, line: innermost.line, function: innermost.function), true)
    }

    static func isLarger(_ a: AllocationSite, _ b: AllocationSite) -> Bool {
        if a.peakBytes != b.peakBytes { return a.peakBytes > b.peakBytes }
        if a.liveBytesAtExit != b.liveBytesAtExit { return a.liveBytesAtExit > b.liveBytesAtExit }
        if a.allocatedBytes != b.allocatedBytes { return a.allocatedBytes > b.allocatedBytes }
        return (a.file, a.line) < (b.file, b.line)
    }

    struct SiteKey: Hashable {
        var file: String
        var line: Int
        var function: String
    }

    struct Accumulated {
        var library: Bool
        var peak = 0.0, live = 0.0, allocated = 0.0, allocations = 0.0
        var samples: UInt64 = 0
        var heaviest: [AllocationRecord.Frame] = []
        var heaviestWeight = -1.0
    }
}
