import Foundation
import Testing
import PyInspectCore

/// The profile's exports opened by their consumers: the HTML flame graph in headless Chromium, driven as a user
/// would (scripts/drive_profile_page.py: zoom on click, search, colour by state, thread selector) and checked
/// for script injection (scripts/check_html_safety.py); the speedscope file against a JSON schema of speedscope's
/// format (python3-jsonschema). The stacks are recorded ones (Tests/Fixtures/profile/sample_stacks.json).
/// `PYINSPECT_UPDATE_SCREENSHOTS=1` also saves the page's screenshot as docs/profile-flamegraph.png.
@Suite(.serialized) struct ProfileExportsBrowserTests {
    static let hostile = "</script><img src=x onerror=alert(1)>"
    static let driver = BinaryHarness.packageRoot.appendingPathComponent("scripts/drive_profile_page.py").path

    static func sample() throws -> ProfileStacks {
        let url = URL(fileURLWithPath: BinaryHarness.fixture("profile/sample_stacks.json"))
        return try JSONDecoder().decode(ProfileStacks.self, from: Data(contentsOf: url))
    }

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func writePage() throws -> String {
        let path = NSTemporaryDirectory() + "pyinspect-profile-\(UUID().uuidString).html"
        try ProfileHTMLReport.render(try Self.sample(), title: "app.py").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theFlameGraphZoomsSearchesAndColoursByStateInChromium() throws {
        // GIVEN the page of the recorded stacks
        let page = try writePage()
        defer { try? FileManager.default.removeItem(atPath: page) }
        let shot = ProcessInfo.processInfo.environment["PYINSPECT_UPDATE_SCREENSHOTS"] == "1"
            ? BinaryHarness.packageRoot.appendingPathComponent("docs/profile-flamegraph.png").path
            : NSTemporaryDirectory() + "pyinspect-profile-\(UUID().uuidString).png"
        defer { if !shot.contains("/docs/") { try? FileManager.default.removeItem(atPath: shot) } }
        // WHEN Chromium loads it and a driver zooms on `step`, searches "work_", toggles the state colours, picks "sleeper"
        let (status, output) = try Self.python([Self.driver, page, "--zoom", "step", "--search", "work_", "--thread", "sleeper",
                                                "--screenshot", shot, "--screenshot-by-state"])
        try #require(status == 0, "\(output)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        // THEN the merged view draws every thread, the task roots and the frames, the hostile name as text
        let names = seen["names"] as? [String] ?? []
        for name in ["all threads", "MainThread (tid 1001)", "worker-1 (tid 2002)", "sleeper (tid 3003)",
                     "task fetch-1 (fetch)", "work_a", "nap", Self.hostile] {
            #expect(names.contains(name), "\(name) in \(names)")
        }
        // zoom: `step` spans the whole width from the left edge, its children keep their 70/30 split
        let flameWidth = try #require(seen["flameWidth"] as? Double)
        let before = try #require(seen["widthBeforeZoom"] as? Double)
        let after = try #require(seen["widthAfterZoom"] as? Double)
        #expect(before < flameWidth * 0.5)
        #expect(abs(after - flameWidth) <= 2 && abs(seen["leftAfterZoom"] as? Double ?? 99) <= 1, "\(after) of \(flameWidth)")
        let children = seen["childWidthsAfterZoom"] as? [String: Double] ?? [:]
        #expect(abs((children["work_a"] ?? 0) - 0.70) < 0.01 && abs((children["work_b"] ?? 0) - 0.30) < 0.01, "\(children)")
        #expect(!(seen["namesAfterZoom"] as? [String] ?? []).contains("nap"), "other threads leave the zoomed view")
        // search: both work_ functions highlighted, 100 of 300 samples
        #expect(Set(seen["matched"] as? [String] ?? []) == ["work_a", "work_b"])
        #expect(seen["matchText"] as? String == "33.3% of samples match")
        // state colours: a different paint, split cpu / GIL wait in proportion (63/30 of step's 100 ... 90/10)
        let colour = seen["colourBefore"] as? String ?? ""
        let byState = seen["colourByState"] as? String ?? ""
        #expect(!colour.isEmpty && colour != byState)
        #expect(byState.contains("linear-gradient") && byState.contains("90%"), "\(byState)")
        // thread selector: all merged, then each thread; the sleeper alone has no work_a
        #expect(seen["threadOptions"] as? [String] == ["all threads (merged)", "MainThread (tid 1001)", "worker-1 (tid 2002)", "sleeper (tid 3003)"])
        let sleeper = seen["namesForThread"] as? [String] ?? []
        #expect(sleeper.contains("nap") && !sleeper.contains("work_a"), "\(sleeper)")
        // the screenshot exists and is a PNG
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
    }

    @Test func aHostileFunctionNameStaysTextAndTheCheckCanFail() throws {
        let page = try writePage()
        defer { try? FileManager.default.removeItem(atPath: page) }
        let safe = try Self.python([HTMLSafetyTests.checker, page, "--marker", "alert", "--expect-text", Self.hostile])
        #expect(safe.status == 0, "\(safe.output)")
        // The same page with the JSON block's escaping undone: the name closes the data block and its <img> runs.
        let unescaped = page + ".unescaped.html"
        defer { try? FileManager.default.removeItem(atPath: unescaped) }
        try String(contentsOfFile: page, encoding: .utf8).replacingOccurrences(of: "\\u003c", with: "<")
            .replacingOccurrences(of: "\\u003e", with: ">").write(toFile: unescaped, atomically: true, encoding: .utf8)
        #expect(try Self.python([HTMLSafetyTests.checker, unescaped, "--marker", "alert"]).status == 1)
    }

    @Test func theBenchmarkReadsPyinspectsSpeedscopeFileAsItReadsPySpys() throws {
        // GIVEN the export of the recorded stacks (work_a 70, work_b 30, nap 100 samples at 100 Hz)
        let path = NSTemporaryDirectory() + "pyinspect-speedscope-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ProfileSpeedscope.render(try Self.sample(), name: "app.py").write(toFile: path, atomically: true, encoding: .utf8)
        // WHEN bench/profile_bench.py's reader reads it
        let bench = BinaryHarness.packageRoot.appendingPathComponent("bench").path
        let read = "import sys; sys.path.insert(0, sys.argv[1]); import profile_bench as b; "
            + "t = b.read_speedscope(sys.argv[2], ['work_a', 'work_b', 'nap', 'step']); "
            + "print(' '.join('%s=%.2f' % (k, t[k]) for k in sorted(t)))"
        let (status, output) = try Self.python(["-c", read, bench, path])
        // THEN inclusive seconds per function: step holds both work functions
        #expect(status == 0)
        #expect(output == "nap=1.00 step=1.00 work_a=0.70 work_b=0.30\n", "\(output)")
    }

    @Test func theSpeedscopeFileMatchesSpeedscopesSchema() throws {
        // GIVEN the schema of speedscope's format (written from file-format-spec.ts), the export and a broken copy
        let schema = BinaryHarness.fixture("profile/speedscope-file.schema.json")
        let directory = NSTemporaryDirectory() + "pyinspect-speedscope-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.json", broken = directory + "/broken.json"
        let text = try ProfileSpeedscope.render(try Self.sample(), name: "app.py")
        try text.write(toFile: good, atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "\"unit\":\"seconds\"", with: "\"unit\":\"samples\"")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let validate = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            for path in sys.argv[2:]:
                errors = list(jsonschema.Draft7Validator(schema).iter_errors(json.load(open(path))))
                print(path.rsplit('/', 1)[-1], len(errors), errors[0].message if errors else '')
            """
        // WHEN validated THEN the export passes and the broken copy does not (the check can fail)
        let (status, output) = try Self.python(["-c", validate, schema, good, broken])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first == "good.json 0 ", "\(output)")
        #expect(lines.last?.hasPrefix("broken.json ") == true && lines.last?.hasPrefix("broken.json 0") == false, "\(output)")
    }
}
