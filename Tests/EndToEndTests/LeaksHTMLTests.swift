import Foundation
import Testing

/// `pyinspect leaks --html` on a leaking object with a hostile repr: the page runs nothing and shows the repr
/// as text in headless Chromium (scripts/check_html_safety.py). The same page with the escaping undone fails
/// the check, so the check can fail.
@Suite(.serialized) struct LeaksHTMLTests {
    static let hostileRepr = "<script>pyinspectPwned(1)</script><img src=x onerror=pyinspectPwned(2)>&amp;<!--"

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

    @Test func aHostileReprStaysText() throws {
        let html = NSTemporaryDirectory() + "pyinspect-leaks-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: html) }
        let fixture = BinaryHarness.fixture("leaks/hostile_repr.py")
        let result = try BinaryHarness.run(["leaks", "--quiet", "--html", html, "\(fixture):run"], json: true)
        #expect(result.status == 1, "\(result.stderr)")
        let chain = ((result.report?["leaks"] as? [[String: Any]])?.first?["chain"] as? [[String: Any]]) ?? []
        #expect(chain.contains { $0["repr"] as? String == Self.hostileRepr }, "\(chain)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg"), "the memory chart")
        #expect(page.contains("KEPT.append(Evil())"), "the site's source line")
        let safe = try check(html, expecting: [Self.hostileRepr])
        #expect(safe.status == 0, "\(safe.output)")

        let unescaped = html + ".unescaped.html"
        defer { try? FileManager.default.removeItem(atPath: unescaped) }
        try page.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .write(toFile: unescaped, atomically: true, encoding: .utf8)
        let unsafe = try check(unescaped, expecting: [])
        #expect(unsafe.status == 1, "\(unsafe.output)")
    }
}
