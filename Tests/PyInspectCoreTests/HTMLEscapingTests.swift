import Foundation
import PyInspectCore
import Testing

/// Target text in HTML: markup never survives, the text itself does.
@Suite struct HTMLEscapingTests {
    @Test func scriptAndImageTagsBecomeText() {
        #expect(HTMLEscaping.text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(HTMLEscaping.text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;")
    }

    @Test func quotesAndAmpersands() {
        #expect(HTMLEscaping.text(#"a & b "c" 'd'"#) == "a &amp; b &quot;c&quot; &#39;d&#39;")
        // Already-escaped text is escaped again: what the target printed is what the reader sees.
        #expect(HTMLEscaping.text("&lt;") == "&amp;lt;")
        #expect(HTMLEscaping.attribute("x\" onmouseover=\"alert(1)") == "x&quot; onmouseover=&quot;alert(1)")
        #expect(HTMLEscaping.attribute("`a`\nb") == "&#96;a&#96;&#10;b")
    }

    @Test func nothingElseChanges() {
        let plain = "thread-1 café 🙂 tab\there"
        #expect(HTMLEscaping.text(plain) == plain)
        #expect(HTMLEscaping.text("a\u{0}b") == "a\u{FFFD}b")
    }

    @Test func scriptBlockCannotBeClosedOrCommentedFromInside() throws {
        struct Row: Encodable { var repr: String }
        let hostile = Row(repr: "</script><script>alert(1)</script><!--<script>")
        let embedded = try HTMLEscaping.scriptJSON(encoding: hostile)
        #expect(!embedded.lowercased().contains("</script"))
        #expect(!embedded.contains("<!--"))
        #expect(!embedded.contains("<") && !embedded.contains(">"))
        // Still the same JSON: a reader's JSON.parse gets the original text back.
        let decoded = try JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? [String: String]
        #expect(decoded?["repr"] == hostile.repr)
    }

    @Test func lineSeparatorsAndAmpersandInScriptJSON() {
        #expect(HTMLEscaping.scriptJSON("{\"a\":\"\u{2028}&\u{2029}\"}") == "{\"a\":\"\\u2028\\u0026\\u2029\"}")
    }

    @Test func scriptClosingTagInAnyCaseIsNeutralised() {
        for closing in ["</script>", "</SCRIPT>", "</ScRiPt >", "</script\t>"] {
            let json = "{\"x\":\"\(closing)\"}"
            #expect(!HTMLEscaping.scriptJSON(json).lowercased().contains("</script"))
        }
    }
}
