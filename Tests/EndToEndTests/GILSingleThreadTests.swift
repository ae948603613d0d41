import Foundation
import Testing

/// A single-threaded program has one GIL holder and no switches, whatever pyinspect's own threads (the hang
/// monitor takes the GIL every 50 ms) do meanwhile: under `gil` and under `run --gil`.
@Suite struct GILSingleThreadTests {
    func number(_ object: [String: Any]?, _ key: String) -> Int {
        (object?[key] as? NSNumber)?.intValue ?? -1
    }

    @Test(arguments: [["gil"], ["run", "--gil"]])
    func oneHolderNoSwitches(command: [String]) throws {
        let result = try BinaryHarness.run(
            command + ["--quiet", BinaryHarness.fixture("gil/single_thread_loop.py")], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(result.report)
        let gil = try #require(report["gil"] as? [String: Any])
        #expect(gil["mode"] as? String == "exact")
        // The monitor did take the GIL (CPython counted its hand-offs), so the test can tell.
        #expect(number(gil, "cpython_switches") >= 2, "\(gil)")
        #expect(number(gil, "switches") == 0)
        let threads = gil["threads"] as? [[String: Any]] ?? []
        #expect(threads.map { $0["name"] as? String } == ["MainThread"])
        #expect(number(gil, "acquisitions") == number(threads.first, "acquisitions"))
        let diagnostics = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(!diagnostics.contains { $0.contains("GIL tracer saw") }, "\(diagnostics)")
    }

    @Test func codeTargetToo() throws {
        let result = try BinaryHarness.run(["gil", "--quiet", "-c", "sum(range(10**7))"], json: true)
        let gil = try #require(result.report?["gil"] as? [String: Any])
        #expect(number(gil, "switches") == 0)
        #expect((gil["threads"] as? [[String: Any]])?.count == 1)
    }

    /// The HTML timeline has one lane per target thread, each named; pyinspect's own threads have none.
    @Test(arguments: [("single_thread_loop.py", ["MainThread"]), ("two_cpu_threads.py", ["MainThread", "spinner-0", "spinner-1"])])
    func timelineLanesAreTheTargetsThreads(fixture: String, lanes: [String]) throws {
        let path = NSTemporaryDirectory() + "pyinspect-gil-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try BinaryHarness.run(["gil", "--quiet", "--html", path, BinaryHarness.fixture("gil/\(fixture)")])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        let labels = html.components(separatedBy: "<text x=\"0\" y=\"").dropFirst().compactMap { piece -> String? in
            guard let open = piece.firstIndex(of: ">"), let close = piece.range(of: "</text>") else { return nil }
            return String(piece[piece.index(after: open)..<close.lowerBound])
        }
        #expect(labels == lanes)
    }
}
