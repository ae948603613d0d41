import Testing

@testable import PyInspectCore

/// Services: the control protocol's parser and the checkpoint diff, on hand-made records (no Python).
@Suite struct ServiceAnalysisTests {
    func record(_ index: Int, blocks: Int64, objects: Int64, tasks: Int = 0, types: [String: Int64] = [:],
                sites: [CheckpointSite] = []) -> CheckpointRecord {
        CheckpointRecord(
            index: index, name: "c\(index)", timeS: Double(index) * 10,
            memory: CheckpointMemory(pythonBlocks: blocks, rssBytes: 1000 * blocks, cHeapBytes: 5, pythonTracedBytes: nil),
            fds: 3, threads: 1, tasks: tasks, gc: nil, objects: objects, types: types, sites: sites, pauseS: 0.01,
            sampleBytes: 8192, gil: nil)
    }

    func site(_ line: Int, live: Int64, allocations: Int64 = 10) -> CheckpointSite {
        CheckpointSite(file: "app.py", line: line, function: "f", liveBytes: live, allocations: allocations,
                       traceback: [SiteFrame(file: "app.py", line: line, function: "f")])
    }

    @Test func diffListsOnlyGrowingSitesAndTypesMostFirst() {
        let before = record(1, blocks: 100, objects: 50, types: ["dict": 10, "str": 20, "list": 5],
                            sites: [site(10, live: 1000), site(20, live: 5000), site(30, live: 100)])
        let after = record(2, blocks: 160, objects: 80, tasks: 4, types: ["dict": 40, "str": 21, "list": 2, "Order": 7],
                           sites: [site(10, live: 9000, allocations: 50), site(20, live: 4000), site(40, live: 300)])
        let diff = CheckpointDiff.compute(from: before, to: after)
        #expect(diff.sites.map(\.line) == [10, 40])
        #expect(diff.sites.first?.bytesDelta == 8000)
        #expect(diff.sites.first?.countDelta == 40)
        #expect(diff.types.map(\.type) == ["dict", "Order", "str"])
        #expect(diff.types.map(\.delta) == [30, 7, 1])
        #expect(diff.memory.pythonBlocks == 60)
        #expect(diff.objects == 30)
        #expect(diff.tasks == 4)
        #expect(diff.seconds == 10)
        #expect(diff.verdict == nil)  // two checkpoints make no series
    }

    @Test func seriesVerdictInTheLeakHuntersTerms() {
        let growing = (1...4).map { record($0, blocks: 100 * Int64($0), objects: 10 * Int64($0)) }
        #expect(CheckpointDiff.verdict(growing)?.verdict == "leak")
        let flat = [record(1, blocks: 100, objects: 10), record(2, blocks: 120, objects: 12),
                    record(3, blocks: 110, objects: 11), record(4, blocks: 115, objects: 12)]
        let judged = CheckpointDiff.verdict(flat)
        #expect(judged?.verdict == "clean")
        #expect(judged?.signals.first { $0.name == "objects" }?.trend == .flat)
        #expect(CheckpointDiff.trend([1, 2], exact: true) == .undecided)
        // A big heap at rest: a few hundred blocks more at each checkpoint is noise, not a leak.
        #expect(CheckpointDiff.trend([1_338_120, 1_340_467, 1_340_644, 1_340_784], exact: false) == .flat)
        #expect(CheckpointDiff.trend([62_479, 65_298, 67_313], exact: false) == .growing)
        #expect(CheckpointDiff.trend([3, 4, 5], exact: true) == .growing)
        #expect(CheckpointDiff.trend(Array(1...12), exact: true) == .growing)
    }

    @Test func protocolAcceptsKnownCommandsOnly() throws {
        func parse(_ text: String) -> Result<ControlRequest, ControlRequestError> { ControlRequest.parse(Array(text.utf8)) }
        #expect(try parse(#"{"command":"checkpoint","name":"warm"}"#).get() == .checkpoint(name: "warm"))
        #expect(try parse(#"{"command":"diff","from":1,"to":"b"}"#).get() == .diff(from: "1", to: "b"))
        #expect(try parse(#"{"command":"dump"}"#).get() == .dump)
        #expect(try parse(#"{"command":"stats"}"#).get() == .stats)
        for bad in [#"{"command":"eval","code":"1"}"#, "garbage", #"{"command":"dump","x":1}"#, "[1]",
                    #"{"command":"stats","interval":1}"#,
                    #"{"command":"checkpoint","name":"a\u0000b"}"#, #"{"command":"diff","from":-1}"#,
                    #"{"command":"checkpoint","name":{"x":1}}"#] {
            #expect((try? parse(bad).get()) == nil, "\(bad)")
        }
    }

    @Test func requestLinesRoundTrip() throws {
        for request: ControlRequest in [.ping, .dump, .stats, .checkpoint(name: nil), .checkpoint(name: "a \"b\""),
                                        .diff(from: "1", to: nil), .diff(from: "x", to: "y")] {
            let line = Array(request.line.utf8.dropLast())
            #expect(try ControlRequest.parse(line).get() == request)
        }
    }

    @Test func targetsAreSocketPathsOrPyinspectPids() {
        #expect(ControlPaths.socket(forTarget: "/run/x.sock") == "/run/x.sock")
        #expect(ControlPaths.socket(forTarget: "1234").hasSuffix("/pyinspect-1234.sock"))
    }
}
