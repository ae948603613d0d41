import Foundation
import Testing

/// `pyinspect gil` on small programs whose GIL behaviour is known, asserting on the JSON report. Ranges are
/// loose for a busy shared machine but each can fail.
@Suite(.serialized) struct GILCommandTests {
    func gil(_ fixture: String, _ extra: [String] = []) throws -> (report: [String: Any], gil: [String: Any], stderr: String) {
        let result = try BinaryHarness.run(["gil"] + extra + [BinaryHarness.fixture("gil/\(fixture)")], json: true)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try #require(result.report)
        let gil = try #require(report["gil"] as? [String: Any], "no gil section: \(result.stderr)")
        return (report, gil, result.stderr)
    }

    func thread(_ gil: [String: Any], _ name: String) -> [String: Any]? {
        (gil["threads"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    func number(_ object: [String: Any]?, _ key: String) -> Double {
        (object?[key] as? NSNumber)?.doubleValue ?? -1
    }

    @Test func twoCPUBoundThreadsHoldItInTurns() throws {
        let (report, gil, stderr) = try gil("two_cpu_threads.py")
        #expect(report["command"] as? String == "gil")
        #expect(gil["mode"] as? String == "exact")
        // Nearly always held; the gaps are hand-over wake-ups, which grow when the 2-core machine also runs
        // the rest of the suite in parallel (0.83 seen then, 0.99 alone).
        #expect(number(gil, "held_fraction") >= 0.7)
        #expect(number(gil, "switches") >= 20)
        // pyinspect's own hang monitor takes the GIL now and then; it is not one of the target's threads.
        let names = (gil["threads"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.allSatisfy { !$0.hasPrefix("native-") && !$0.hasPrefix("pyinspect-") }, "\(names)")
        // CPython's count also has the hand-offs to and from pyinspect's own threads; `switches` does not.
        #expect(number(gil, "switches") <= number(gil, "cpython_switches"))
        let diagnostics = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(!diagnostics.contains { $0.contains("GIL tracer saw") }, "\(diagnostics)")
        for name in ["spinner-0", "spinner-1"] {
            let figures = thread(gil, name)
            #expect((0.3...0.7).contains(number(figures, "held_fraction")), "\(name): \(String(describing: figures))")
            #expect(number(figures, "wait_fraction") >= 0.2)
            #expect(number(figures, "acquisitions") >= 10)
            #expect(number(figures, "cpu_s") > 0.1)
            #expect((figures?["native_id"] as? Int ?? 0) > 0)
        }
        let verdict = gil["verdict"] as? [String: Any]
        #expect(verdict?["gil_bound"] as? Bool == true)
        #expect(stderr.contains("GIL (exact): GIL-bound"))
    }

    @Test func sleepingThreadsBarelyHoldIt() throws {
        let (_, gil, _) = try gil("sleepers.py")
        // Overall, the main thread's start-up holds it; on a loaded machine a holder waits for a core while holding
        // (0.21 seen at load 18 on 2 cores), so the bound is loose: the sleepers' own figures are the point.
        #expect(number(gil, "held_fraction") < 0.5)
        for index in 0..<3 {
            let figures = thread(gil, "sleeper-\(index)")
            #expect(figures != nil)
            #expect(number(figures, "held_fraction") < 0.05)
            #expect(number(figures, "acquisitions") >= 10)
        }
        #expect((gil["verdict"] as? [String: Any])?["gil_bound"] as? Bool == false)
    }

    @Test func hashingLargeBuffersReleasesTheGIL() throws {
        let (_, gil, _) = try gil("hashing.py")
        for name in ["hasher-0", "hasher-1"] {
            let figures = thread(gil, name)
            // They burn CPU hashing, yet hold the GIL for a small part of it.
            #expect(number(figures, "cpu_s") > 0.05, "\(String(describing: figures))")
            #expect(number(figures, "held_s") < 0.25 * number(figures, "cpu_s"))
        }
        #expect((gil["verdict"] as? [String: Any])?["gil_bound"] as? Bool == false)
    }

    @Test func oneLongCCallIsAttributedToMainThread() throws {
        let (_, gil, _) = try gil("long_c_call.py")
        #expect(number(gil, "max_hold_ms") >= 150)
        #expect(gil["max_hold_thread"] as? String == "MainThread")
        let hold = (gil["longest_holds"] as? [[String: Any]])?.first
        #expect(hold?["thread"] as? String == "MainThread")
        #expect(hold?["activity"] as? String == "c_call")
        let top = (hold?["stack"] as? [[String: Any]])?.first
        #expect((top?["file"] as? String)?.hasSuffix("gil/long_c_call.py") == true)
        #expect(top?["line"] as? Int == 16)
        #expect(number(thread(gil, "ticker"), "max_wait_ms") >= 150)
        #expect((gil["verdict"] as? [String: Any])?["thread"] as? String == "MainThread")
    }

    @Test func sleeperBesideCPUThreadWaitsMoreThanItHolds() throws {
        let (_, gil, _) = try gil("cpu_and_sleeper.py")
        let napper = thread(gil, "napper")
        #expect(number(napper, "waited_s") > 3 * number(napper, "held_s"), "\(String(describing: napper))")
        #expect(number(napper, "wait_fraction") > 0.2)
        #expect(number(thread(gil, "cruncher"), "held_fraction") > 0.6)
        let convoys = (gil["convoys"] as? [[String: Any]] ?? []).compactMap { $0["thread"] as? String }
        #expect(convoys.contains("napper"))
    }

    @Test func samplingFallbackStillSplitsTheGIL() throws {
        let (_, gil, _) = try gil("two_cpu_threads.py", ["--sampling"])
        #expect(gil["mode"] as? String == "sampled")
        #expect(number(gil, "held_fraction") >= 0.85)
        for name in ["spinner-0", "spinner-1"] {
            #expect((0.25...0.75).contains(number(thread(gil, name), "held_fraction")))
        }
    }

    @Test func htmlReportHasALanePerThread() throws {
        let path = NSTemporaryDirectory() + "pyinspect-gil-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try gil("two_cpu_threads.py", ["--html", path])
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(html.contains(">spinner-0</text>"))
        #expect(html.contains(">spinner-1</text>"))
        #expect(html.contains("fill=\"#d9534f\""))
    }

    @Test func targetExitStatusIsKept() throws {
        let result = try BinaryHarness.run(["gil", "-c", "import sys; sys.exit(3)"], json: true)
        #expect(result.status == 3)
        #expect(result.report?["gil"] != nil)
    }

    @Test func runReportsTheGILOnlyWhenAsked() throws {
        let traced = try BinaryHarness.run(["run", "--gil", BinaryHarness.fixture("gil/two_cpu_threads.py")], json: true)
        #expect(traced.status == 0)
        let gil = try #require(traced.report?["gil"] as? [String: Any])
        #expect(traced.report?["command"] as? String == "run")
        #expect(number(gil, "held_fraction") >= 0.85)
        #expect(thread(gil, "spinner-1") != nil)
        let plain = try BinaryHarness.run(["run", "-c", "pass"], json: true)
        #expect(plain.status == 0)
        #expect(plain.report != nil)
        #expect(plain.report?["gil"] == nil)
    }

    @Test func timeoutWhileOneCCallHoldsTheGILStillHasGILFigures() throws {
        let code = "import threading, time\nt = threading.Thread(target=time.sleep, args=(30,), name='sleeper', daemon=True)\nt.start()\nsum(range(10**11))\n"
        let result = try BinaryHarness.run(["gil", "--timeout", "0.5", "-c", code], json: true)
        #expect(result.status == 124)
        let gil = try #require(result.report?["gil"] as? [String: Any], "stderr: \(result.stderr)")
        #expect(gil["max_hold_thread"] as? String == "MainThread")
        #expect(number(gil, "max_hold_ms") >= 300)
        let hold = (gil["longest_holds"] as? [[String: Any]])?.first
        #expect(hold?["activity"] as? String == "c_call")
        #expect(((hold?["stack"] as? [[String: Any]])?.first?["line"] as? Int) == 4)
    }

    @Test func gilSectionMatchesItsSchema() throws {
        // GIVEN a report with every kind of figure (a long hold with a stack, a convoy)
        let result = try BinaryHarness.run(["gil", BinaryHarness.fixture("gil/long_c_call.py")], json: true)
        let report = try #require(result.report)
        let gil = try JSONSerialization.data(withJSONObject: try #require(report["gil"]))
        let section = NSTemporaryDirectory() + "pyinspect-gil-section-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: section) }
        try gil.write(to: URL(fileURLWithPath: section))
        // WHEN validated against docs/schema/gil.schema.json (Debian's python3-jsonschema)
        let schema = BinaryHarness.packageRoot.appendingPathComponent("docs/schema/gil.schema.json").path
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        check.arguments = ["-c", "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))", section, schema]
        try check.run()
        check.waitUntilExit()
        // THEN
        #expect(check.terminationStatus == 0)
    }

    @Test func longPurePythonHoldIsToldApartFromACCall() throws {
        let (_, gil, _) = try gil("long_python_hold.py")
        let hold = (gil["longest_holds"] as? [[String: Any]])?.first
        #expect(hold?["thread"] as? String == "MainThread")
        #expect(number(hold, "duration_ms") >= 200)
        #expect(hold?["activity"] as? String == "python")
        let top = (hold?["stack"] as? [[String: Any]])?.first
        #expect((top?["file"] as? String)?.hasSuffix("gil/long_python_hold.py") == true)
    }
}
