import FoundationEssentials
import Glibc

/// The one way text from the target (reprs, file and function names, exception messages, thread and task
/// names) goes into an HTML report. Every HTML reporter (leaks, gil, compare) uses it; scripts/check_html_safety.py
/// proves the result in headless Chromium.
///
/// Rules: target text goes only into element text (`text`), quoted attribute values (`attribute`) or a
/// `<script type="application/json">` data block (`scriptJSON`) read with `JSON.parse(el.textContent)`. Never into
/// inline event handlers, `href`/`src`, `style`, or executable script. Pure and thread-safe.
public enum HTMLEscaping {
    /// For element content: `&`, `<`, `>`, `"`, `'` become character references; NUL becomes U+FFFD.
    public static func text(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// For a double- or single-quoted attribute value: the same as `text`, plus the backtick (old IE
    /// treated it as a quote) and line breaks, so a value never spans lines.
    public static func attribute(_ value: String) -> String {
        var out = ""
        // Scalar by scalar: "\r\n" is one Character, and both its halves must be replaced.
        for scalar in text(value).unicodeScalars {
            switch scalar {
            case "`": out += "&#96;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// JSON text made safe inside `<script type="application/json">…</script>`: `<`, `>` and `&` become
    /// `\u003c`, `\u003e`, `\u0026` (so neither `</script>` nor `<!--` can appear, and the JSON means the same),
    /// U+2028/U+2029 become escapes (they end a line in JavaScript).
    public static func scriptJSON(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Encodes `value` as JSON (sorted keys) ready for a `<script type="application/json">` block.
    public static func scriptJSON<Value: Encodable>(encoding value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return scriptJSON(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
