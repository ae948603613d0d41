import Testing

@testable import PyInspectCore

/// The allocation analysis on hand-made sampler records: no Python involved.
@Suite struct AllocationAnalysisTests {
    typealias Frame = AllocationRecord.Frame

    static let user = Frame(file: "/app/main.py", line: 12, function: "load", library: false)
    static let caller = Frame(file: "/app/main.py", line: 30, function: "<module>", library: false)
    static let json = Frame(file: "/usr/lib/python3.11/json/decoder.py", line: 353, function: "raw_decode", library: true)

    /// A stack and its frames (innermost first); `record` builds the frame table and the tree from them.
    func stack(_ frames: [Frame], peak: Double, live: Double, allocated: Double) -> (frames: [Frame], stack: AllocationRecord.Stack) {
        (frames, AllocationRecord.Stack(node: -1, allocatedBytes: allocated, allocations: allocated / 100, peakBytes: peak,
                                        liveBytes: live, samples: 3))
    }

    func record(_ stacks: [(frames: [Frame], stack: AllocationRecord.Stack)], sampleBytes: UInt64 = 262_144) -> AllocationRecord {
        var table: [Frame] = []
        var nodes: [[Int]] = []
        let built = stacks.map { frames, stack in
            var stack = stack
            for frame in frames.reversed() {  // outermost first
                let index = table.firstIndex(of: frame) ?? { table.append(frame); return table.count - 1 }()
                let node = [index, stack.node]
                stack.node = nodes.firstIndex(of: node) ?? { nodes.append(node); return nodes.count - 1 }()
            }
            return stack
        }
        return AllocationRecord(sampleBytes: sampleBytes, allocatedBytes: 9e6, peakBytes: 5e6, liveBytes: 1e6,
                                samples: 40, frames: table, nodes: nodes, stacks: built)
    }

    @Test func stacksAreReadBackFromTheTreeInnermostFirst() {
        let made = record([stack([Self.json, Self.user, Self.caller], peak: 1, live: 1, allocated: 1),
                           stack([Self.user, Self.caller], peak: 1, live: 1, allocated: 1)])
        #expect(made.nodes.count == 3)  // the two stacks share user and caller
        #expect(made.frames(of: made.stacks[0]) == [Self.json, Self.user, Self.caller])
        #expect(made.frames(of: made.stacks[1]) == [Self.user, Self.caller])
        // A damaged capture (a cycle, an index out of range) ends the walk instead of looping or crashing.
        var damaged = made
        damaged.nodes[0] = [0, 0]
        #expect(damaged.frames(of: AllocationRecord.Stack(node: 0, allocatedBytes: 0, allocations: 0, peakBytes: 0, liveBytes: 0, samples: 0)).count <= 4)
        damaged.nodes[0] = [99, -1]
        #expect(damaged.frames(of: AllocationRecord.Stack(node: 0, allocatedBytes: 0, allocations: 0, peakBytes: 0, liveBytes: 0, samples: 0)).isEmpty)
    }

    @Test func pyinspectsOwnStacksAndFramesAreLeftOut() {
        let helper = Frame(file: "/opt/pyscripts/pyinspect/host.py", line: 5, function: "on_timeout", library: false, pyinspect: true)
        let hook = Frame(file: "/opt/pyscripts/pyinspect/import_hooks.py", line: 9, function: "wrapped", library: false, pyinspect: true)
        let section = AllocationAnalysis.analyze(record([
            stack([Self.json, helper], peak: 100, live: 100, allocated: 100),  // the host's own call
            stack([Self.json, hook, Self.user], peak: 1, live: 1, allocated: 1),  // the user's import, through a hook
        ]))
        #expect(section.sites.count == 1)
        #expect(section.sites[0].line == Self.user.line)
        #expect(section.sites[0].traceback.map(\.function) == ["raw_decode", "load"])
    }

    @Test func libraryFramesAreChargedToTheUsersLineThatCalledThem() {
        // GIVEN json's decoder allocating under the user's line 12, and line 12 allocating itself
        let section = AllocationAnalysis.analyze(record([
            stack([Self.json, Self.user, Self.caller], peak: 2e6, live: 1e6, allocated: 3e6),
            stack([Self.user, Self.caller], peak: 1e6, live: 0, allocated: 2e6),
        ]))
        // THEN one site, line 12, with both stacks' bytes and the heavier stack as its traceback
        #expect(section.sites.count == 1)
        let site = section.sites[0]
        #expect(site.file == "/app/main.py" && site.line == 12 && site.function == "load")
        #expect(site.peakBytes == 3_000_000 && site.liveBytesAtExit == 1_000_000 && site.allocatedBytes == 5_000_000)
        #expect(site.samples == 6)
        #expect(site.library == false)
        #expect(site.traceback.first?.file == Self.json.file)
    }

    @Test func withoutUserCodeTheInnermostFrameIsTheSite() {
        let section = AllocationAnalysis.analyze(record([stack([Self.json], peak: 1, live: 1, allocated: 1), stack([], peak: 0, live: 0, allocated: 5)]))
        #expect(section.sites.map(\.library) == [true, true])
        #expect(section.sites[0].file == Self.json.file)
        #expect(section.sites[1].file == "<no Python frame>")
    }

    @Test func sitesAreOrderedByPeakThenLiveThenAllocated() {
        let a = Frame(file: "/app/a.py", line: 1, function: "a", library: false)
        let b = Frame(file: "/app/b.py", line: 1, function: "b", library: false)
        let c = Frame(file: "/app/c.py", line: 1, function: "c", library: false)
        let section = AllocationAnalysis.analyze(record([
            stack([a], peak: 0, live: 0, allocated: 9e9),
            stack([b], peak: 5, live: 0, allocated: 1),
            stack([c], peak: 5, live: 2, allocated: 1),
        ]))
        #expect(section.sites.map(\.file) == ["/app/c.py", "/app/b.py", "/app/a.py"])
        #expect(section.siteCount == 3)
    }

    @Test func onlyTheLargestSitesAreKept() {
        let stacks = (0..<(AllocationAnalysis.siteLimit + 10)).map { index in
            stack([Frame(file: "/app/m.py", line: index + 1, function: "f", library: false)],
                  peak: Double(index), live: 0, allocated: 1)
        }
        let section = AllocationAnalysis.analyze(record(stacks))
        #expect(section.sites.count == AllocationAnalysis.siteLimit)
        #expect(section.siteCount == AllocationAnalysis.siteLimit + 10)
        #expect(section.sites.first?.line == AllocationAnalysis.siteLimit + 10)
    }

    @Test func exactOnlyWhenEveryAllocationIsRecorded() {
        #expect(AllocationAnalysis.analyze(record([], sampleBytes: 1)).exact)
        #expect(!AllocationAnalysis.analyze(record([], sampleBytes: 4096)).exact)
    }

    @Test func theSummaryLeadsWithTotalsThenSites() {
        let section = AllocationAnalysis.analyze(record([stack([Self.user], peak: 2_097_152, live: 0, allocated: 4_194_304)]))
        let lines = AllocationSummary.lines(section)
        #expect(lines[0].contains("sampled every 256.0 KiB") && lines[0].contains("peak 4.8 MiB"))
        #expect(lines[2].contains("2.0 MiB") && lines[2].hasSuffix("main.py:12 load"))
    }
}
