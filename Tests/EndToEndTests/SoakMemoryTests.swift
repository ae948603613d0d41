import Foundation
import Testing

/// The inspector's own memory stays flat: 10,000 calls of a clean target under `leaks --calls` peak within a
/// few MiB of 1,000 calls (the per-call series are preallocated in Swift; nothing grows in the helpers).
/// A memory claim, not a speed one: `--calls` measures exactly that many calls however slow the machine is.
@Suite(.serialized) struct SoakMemoryTests {
    func soak(_ calls: Int) throws -> (verdict: String?, measured: Int?, peak: Int) {
        let result = try BinaryHarness.run(
            ["leaks", "--quiet", "--calls", String(calls), BinaryHarness.fixture("leaks/soak_clean.py") + ":run"],
            json: true)
        #expect(result.status == 0, "\(result.stderr)")
        let hunt = result.report?["leak_hunt"] as? [String: Any]
        return (result.report?["verdict"] as? String, hunt?["calls"] as? Int, result.report?["peak_rss_bytes"] as? Int ?? 0)
    }

    @Test func tenThousandCallsKeepTheInspectorsMemoryFlat() throws {
        let short = try soak(1_000)
        let long = try soak(10_000)
        #expect(short.verdict == "clean" && long.verdict == "clean")
        #expect(long.measured == 10_000)
        #expect(long.peak > 0 && long.peak - short.peak < 8 * 1024 * 1024, "1,000 calls: \(short.peak) B, 10,000: \(long.peak) B")
    }
}
