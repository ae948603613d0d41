import Foundation
import Testing

/// `run --allocations` on programs whose allocations are known, checked against the JSON report. Sampled
/// figures are estimates: the ranges allow for sampling error (about ±15% for these sizes). The sampler's seed is
/// fixed (PYINSPECT_ALLOC_SEED), so a run gives the same samples every time and the test cannot flicker;
/// `make bench` measures the error over unseeded runs.
@Suite struct AllocationTests {
    static let seeded = ["PYINSPECT_ALLOC_SEED": "7", "PYTHONHASHSEED": "0"]

    func allocations(_ fixture: String, _ extra: [String] = ["--allocations"]) throws -> (section: [String: Any], stderr: String) {
        let result = try BinaryHarness.run(
            ["run"] + extra + [BinaryHarness.fixture("allocations/\(fixture)")], json: true, environment: Self.seeded)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try #require(result.report)
        let section = try #require(report["allocations"] as? [String: Any], "no allocations section: \(result.stderr)")
        return (section, result.stderr)
    }

    func line(of marker: String, in fixture: String) throws -> Int {
        let text = try String(contentsOfFile: BinaryHarness.fixture("allocations/\(fixture)"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains("# \(marker)") }) + 1
    }

    func site(_ section: [String: Any], line: Int) -> [String: Any]? {
        (section["sites"] as? [[String: Any]])?.first { $0["line"] as? Int == line }
    }

    func mib(_ object: [String: Any]?, _ key: String) -> Double {
        ((object?[key] as? NSNumber)?.doubleValue ?? -1) / 1_048_576
    }

    @Test func keptMemoryIsNamedByItsLineAndChurnIsNotLeftAtExit() throws {
        let fixture = "kept_and_churn.py"
        let (section, stderr) = try allocations(fixture)
        #expect(section["exact"] as? Bool == false)
        #expect(section["sample_bytes"] as? Int == 262_144)
        // tracemalloc counts 21.5 MiB at this line (200,000 strings of 113 bytes on average).
        let kept = site(section, line: try line(of: "KEPT_LINE", in: fixture))
        #expect((17.0...26.0).contains(mib(kept, "live_bytes_at_exit")), "\(String(describing: kept))")
        #expect(kept?["function"] as? String == "keep")
        #expect(kept?["library"] as? Bool == false)
        #expect(((kept?["traceback"] as? [[String: Any]])?.first?["file"] as? String)?.hasSuffix(fixture) == true)
        // The largest share of the peak and of what is left is the kept line.
        #expect((section["sites"] as? [[String: Any]])?.first?["line"] as? Int == kept?["line"] as? Int)
        // 200 lists of 10,000 floats: at least 46 MiB allocated (floats alone), all freed.
        let churn = site(section, line: try line(of: "CHURN_LINE", in: fixture))
        #expect(mib(churn, "allocated_bytes") > 40)
        #expect(mib(churn, "live_bytes_at_exit") < 2)
        // json allocates for the user's line that called it: the site is that line, not json's internals.
        let library = site(section, line: try line(of: "LIBRARY_LINE", in: fixture))
        #expect(mib(library, "allocated_bytes") > 1, "\(String(describing: library))")
        #expect(stderr.contains("allocations (sampled every 256.0 KiB)"))
        #expect(stderr.contains("\(fixture):\(try line(of: "KEPT_LINE", in: fixture)) keep"))
    }

    @Test func thePeakNamesMemoryFreedBeforeExit() throws {
        let fixture = "peak_then_freed.py"
        let (section, _) = try allocations(fixture, ["--alloc-sample", "64K"])
        #expect(section["sample_bytes"] as? Int == 65_536)
        let peak = site(section, line: try line(of: "PEAK_LINE", in: fixture))
        // 40,000 bytes objects of 1,033 bytes each: 39.4 MiB, plus the list.
        #expect((34.0...46.0).contains(mib(peak, "peak_bytes")), "\(String(describing: peak))")
        #expect(mib(peak, "live_bytes_at_exit") < 1)
        #expect((34.0...50.0).contains(mib(section, "peak_bytes")))
        #expect(mib(section, "live_bytes_at_exit") < 8)
    }

    @Test func everyAllocationModeIsExact() throws {
        let fixture = "peak_then_freed.py"
        let (section, stderr) = try allocations(fixture, ["--alloc-sample", "1"])
        #expect(section["exact"] as? Bool == true)
        let peak = site(section, line: try line(of: "PEAK_LINE", in: fixture))
        // Exactly 40,000 objects of 1,033 bytes at the peak, plus the list's growth to 40,000 pointers.
        let objects = 40_000 * 1_033
        let bytes = (peak?["peak_bytes"] as? Int) ?? 0
        #expect(bytes >= objects && bytes <= objects + 400_000, "\(bytes)")
        #expect((peak?["allocations"] as? Int ?? 0) >= 40_000)
        #expect(stderr.contains("allocations (every allocation)"))
    }

    @Test func aTimeoutStillReportsWhatWasAllocated() throws {
        let result = try BinaryHarness.run(
            ["run", "--allocations", "--timeout", "1", "-c",
             "hold = []\nwhile True:\n    hold.append(bytearray(1000))\n    if len(hold) > 20_000: hold.clear()"],
            json: true)
        #expect(result.status == 124)
        let section = try #require(result.report?["allocations"] as? [String: Any], "\(result.stderr)")
        let top = (section["sites"] as? [[String: Any]])?.first
        #expect(top?["file"] as? String == "<string>")
        #expect(top?["line"] as? Int == 3)
        #expect(mib(top, "allocated_bytes") > 20)
    }

    @Test(arguments: [["--alloc-sample", "0"], ["--alloc-sample", "12Q"], ["--alloc-sample", ""]])
    func badSampleSizesAreUsageErrors(_ option: [String]) throws {
        let result = try BinaryHarness.run(["run"] + option + ["-c", "pass"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--alloc-sample"))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func withoutTheFlagThereIsNoSection() throws {
        let result = try BinaryHarness.run(["run", "-c", "x = [0] * 1000"], json: true)
        #expect(result.status == 0)
        #expect(result.report?["allocations"] == nil)
    }
}
