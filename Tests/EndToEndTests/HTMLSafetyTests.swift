import Foundation
import PyInspectCore
import Testing

/// Text from a hostile target, taken from a real report and put into HTML with `HTMLEscaping`, stays text in
/// headless Chromium: nothing runs, the text shows (scripts/check_html_safety.py). The same page without
/// escaping must fail the check, so the check itself is proven able to fail.
@Suite struct HTMLSafetyTests {
    static let checker = BinaryHarness.packageRoot.appendingPathComponent("scripts/check_html_safety.py").path

    struct Hostile {
        var threadName: String
        var message: String
    }

    func hostileTextFromARealRun() throws -> Hostile {
        let fixture = BinaryHarness.fixture("robustness/hostile_reprs.py")
        let result = try BinaryHarness.run(["run", "--quiet", fixture], json: true)
        #expect(result.status == 1)
        let report = try #require(result.report)
        let thread = try #require((report["threads"] as? [[String: Any]])?.last?["name"] as? String)
        let message = try #require((report["exception"] as? [String: Any])?["message"] as? String)
        #expect(thread.contains("<img") && message.contains("</script>") && message.contains("<!--"))
        return Hostile(threadName: thread, message: message)
    }

    /// A small report page: target text as element text, in an attribute, and in a JSON data block that a
    /// trusted script renders with textContent.
    func page(_ hostile: Hostile, escape: Bool) throws -> String {
        let text: (String) -> String = escape ? HTMLEscaping.text : { $0 }
        let attribute: (String) -> String = escape ? HTMLEscaping.attribute : { $0 }
        let json = try JSONSerialization.data(withJSONObject: ["message": hostile.message])
        let data = escape ? HTMLEscaping.scriptJSON(String(decoding: json, as: UTF8.self)) : String(decoding: json, as: UTF8.self)
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>pyinspect report</title></head><body>
            <h1>Threads</h1><p title="\(attribute(hostile.threadName))">\(text(hostile.threadName))</p>
            <h1>Exception</h1><pre>\(text(hostile.message))</pre>
            <pre id="from-json"></pre>
            <script type="application/json" id="report-data">\(data)</script>
            <script>
            document.getElementById('from-json').textContent =
                'from json: ' + JSON.parse(document.getElementById('report-data').textContent).message;
            </script>
            </body></html>
            """
    }

    func check(_ html: String, expecting texts: [String]) throws -> (status: Int32, output: String) {
        let path = NSTemporaryDirectory() + "pyinspect-html-\(UUID().uuidString).html"
        try html.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.checker, path] + texts.flatMap { ["--expect-text", $0] }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func escapedReportRunsNothingAndShowsTheText() throws {
        let hostile = try hostileTextFromARealRun()
        let result = try check(
            try page(hostile, escape: true),
            expecting: [hostile.threadName, hostile.message, "from json: " + hostile.message])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func unescapedReportFailsTheCheck() throws {
        let hostile = try hostileTextFromARealRun()
        let result = try check(try page(hostile, escape: false), expecting: [hostile.message])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("injected script ran: pyinspectPwned(thread)"))
        #expect(result.output.contains("injected script ran: pyinspectPwned(message)"))
    }

    @Test func compareHTMLReportOfAHostileTargetRunsNothing() throws {
        let html = NSTemporaryDirectory() + "pyinspect-compare-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: html) }
        let target = BinaryHarness.fixture("compare/work.py") + ":raises_hostile"
        let result = try BinaryHarness.run(["compare", "--quiet", "--rounds", "1", "--html", html, target])
        #expect(result.status == 67)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let message = "<script>pyinspectPwned('message')</script><img src=x onerror=pyinspectPwned('img')>"
        let checked = try check(page, expecting: [message])
        #expect(checked.status == 0, "\(checked.output)")
    }
}
