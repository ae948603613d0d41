import Foundation
import Testing

/// `pyinspect run --html FILE`: the run's report as one self-contained page, with a part for each section that
/// was on and none for those that were off. Hostile target text stays text in headless Chromium
/// (scripts/check_html_safety.py), and the same page with the escaping undone fails that check.
@Suite(.serialized) struct RunHTMLTests {
    func runHTML(_ arguments: [String]) throws -> (result: BinaryHarness.Result, page: String, path: String) {
        let path = NSTemporaryDirectory() + "pyinspect-run-\(UUID().uuidString).html"
        let result = try BinaryHarness.run(["run", "--quiet", "--html", path] + arguments, json: true)
        let page = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return (result, page, path)
    }

    func check(_ path: String, expecting texts: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [HTMLSafetyTests.checker, path] + texts.flatMap { ["--expect-text", $0] }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func hostileTextStaysTextInChromium() throws {
        let (result, page, path) = try runHTML([BinaryHarness.fixture("robustness/hostile_reprs.py")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(result.status == 1)
        let report = try #require(result.report)
        let thread = try #require((report["threads"] as? [[String: Any]])?.last?["name"] as? String)
        let message = try #require((report["exception"] as? [String: Any])?["message"] as? String)
        #expect(page.contains("<strong>error</strong>"))
        #expect(page.contains("<section id=\"exception\">") && page.contains("<section id=\"threads\">"))
        let safe = try check(path, expecting: [thread, "ValueError: " + message])
        #expect(safe.status == 0, "\(safe.output)")

        let unescaped = path + ".unescaped.html"
        defer { try? FileManager.default.removeItem(atPath: unescaped) }
        try page.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .write(toFile: unescaped, atomically: true, encoding: .utf8)
        #expect(try check(unescaped, expecting: []).status == 1)
    }

    @Test func theSectionsThatWereOnHaveAPart() throws {
        let (result, page, path) = try runHTML(["--gil", "--allocations", BinaryHarness.fixture("gil/single_thread_loop.py")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(result.status == 0, "\(result.stderr)")
        let gil = try #require(result.report?["gil"] as? [String: Any])
        #expect(page.contains("<strong>clean</strong> — exit status 0"))
        for part in ["threads", "gc", "gil", "allocations"] {
            #expect(page.contains("<section id=\"\(part)\">"), "\(part)")
        }
        #expect(page.contains("<svg") && page.contains(">MainThread</text>"), "the GIL timeline, one lane")
        #expect(!page.contains(">?</text>"))
        let verdict = try #require((gil["verdict"] as? [String: Any])?["text"] as? String)
        let safe = try check(path, expecting: [verdict, "peak RSS", "Garbage collector"])
        #expect(safe.status == 0, "\(safe.output)")
    }

    @Test func sectionsThatWereOffHaveNone() throws {
        let (result, page, path) = try runHTML(["-c", "pass"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(result.status == 0)
        #expect(page.contains("<section id=\"threads\">"))
        for part in ["gil", "allocations", "findings", "exception", "stacks"] {
            #expect(!page.contains("<section id=\"\(part)\">"), "\(part)")
        }
    }

    @Test func aDeadlockShowsItsFindingsAndStacks() throws {
        let (result, page, path) = try runHTML([BinaryHarness.fixture("hangs/thread_lock_order.py")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(result.status == 123)
        let findings = result.report?["findings"] as? [[String: Any]] ?? []
        #expect(!findings.isEmpty)
        #expect(page.contains("<strong>deadlock</strong>"))
        #expect(page.contains("<section id=\"findings\"><h2>Findings (\(findings.count))</h2>"))
        #expect(page.contains("<section id=\"stacks\">") && page.contains("with second:"))
    }
}
