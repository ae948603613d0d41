import FoundationEssentials
import Glibc

/// `pyinspect leaks --html FILE`: one self-contained page (no script, no external resource): the verdict, an
/// inline SVG chart of Python memory blocks and C heap per call, each leak's site with its source line, its
/// traceback and its chain. Everything from the target goes through `HTMLEscaping`.
public enum LeaksHTMLReport {
    public static func render(_ report: Report) -> String {
        let target = report.target.map(\.value) ?? "target"
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>pyinspect leaks: \(HTMLEscaping.text(target))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
            .leak{border:1px solid #ccc;border-radius:6px;padding:1em;margin:1em 0}
            .verdict-leak{color:#b00}.verdict-clean{color:#070}
            code,pre{background:#f5f5f5;padding:2px 4px}
            table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}
            </style></head><body>

            """
        let verdictClass = report.verdict == .clean ? "verdict-clean" : "verdict-leak"
        html += "<h1>pyinspect leaks: <span class=\"\(verdictClass)\">\(HTMLEscaping.text(report.verdict.rawValue.uppercased()))</span></h1>\n"
        html += "<p>Target <code>\(HTMLEscaping.text(target))</code>"
        if let hunt = report.leakHunt {
            html += ": \(hunt.warmupCalls) warm-up and \(hunt.calls) measured calls, "
            html += String(format: "%.2f s in the target", hunt.targetSeconds)
        }
        html += ".</p>\n"
        if report.verdict == .interrupted {
            for diagnostic in report.diagnostics where diagnostic.level == .warning {
                html += "<p class=\"verdict-leak\">\(HTMLEscaping.text(diagnostic.message))</p>\n"
            }
        }
        if let exception = report.exception {
            html += "<p>The target raised <code>\(HTMLEscaping.text(exception.type)): \(HTMLEscaping.text(exception.message))</code></p>\n"
        }
        if let hunt = report.leakHunt {
            for name in ["blocks", "native"] {
                if let signal = hunt.signals.first(where: { $0.name == name }) {
                    html += chart(signal)
                }
            }
            html += "<table><tr><th>signal</th><th>trend</th><th>growth per call</th></tr>\n"
            for signal in hunt.signals {
                html += "<tr><td>\(HTMLEscaping.text(signal.name))</td><td>\(HTMLEscaping.text(signal.trend.rawValue))</td>"
                html += "<td>\(String(format: "%.2f", signal.growthPerCall))</td></tr>\n"
            }
            html += "</table>\n"
        }
        for (index, leak) in (report.leaks ?? []).enumerated() {
            html += "<div class=\"leak\"><h2>Leak \(index + 1): \(HTMLEscaping.text(leak.kind))</h2>\n"
            if let message = leak.message, !message.isEmpty { html += "<p>\(HTMLEscaping.text(message))</p>\n" }
            html += String(format: "<p>%.2f objects and %.0f bytes per call</p>\n", leak.objectsPerCall, leak.bytesPerCall)
            if let site = leak.site {
                let code = leak.traceback.first { $0.file == site.file && $0.line == site.line }?.code ?? ""
                html += "<p>Site: <code>\(HTMLEscaping.text(site.file)):\(site.line)</code></p><pre>\(HTMLEscaping.text(code))</pre>\n"
            }
            if let stored = leak.storedAt {
                let code = leak.storedTraceback?.first { $0.file == stored.file && $0.line == stored.line }?.code ?? ""
                html += "<p>Stored at: <code>\(HTMLEscaping.text(stored.file)):\(stored.line)</code></p>"
                html += "<pre>\(HTMLEscaping.text(code))</pre>\n"
            }
            if !leak.types.isEmpty {
                html += "<table><tr><th>type</th><th>per call</th></tr>\n"
                for type in leak.types {
                    html += "<tr><td>\(HTMLEscaping.text(type.name))</td><td>\(String(format: "%.2f", type.perCall))</td></tr>\n"
                }
                html += "</table>\n"
            }
            if !leak.chain.isEmpty {
                html += "<h3>Kept alive by</h3><ol>\n"
                for step in leak.chain {
                    html += "<li><code>\(HTMLEscaping.text(step.via))</code> \(HTMLEscaping.text(step.type)) "
                    html += "<code>\(HTMLEscaping.text(step.repr))</code></li>\n"
                }
                html += "</ol>\n"
            }
            if !leak.traceback.isEmpty {
                html += "<h3>Traceback (innermost first)</h3><pre>"
                for frame in leak.traceback.prefix(30) {
                    html += HTMLEscaping.text("\(frame.file):\(frame.line)  \(frame.code ?? "")") + "\n"
                }
                html += "</pre>\n"
            }
            html += "</div>\n"
        }
        for bounded in report.leakHunt?.bounded ?? [] {
            html += "<div class=\"bounded\"><h2>Bounded: fills to \(bounded.bound)</h2>\n"
            html += "<p>\(HTMLEscaping.text(bounded.holder)) holds \(bounded.size) now: a cache filling, not a leak.</p><ol>\n"
            for step in bounded.chain {
                html += "<li><code>\(HTMLEscaping.text(step.via))</code> \(HTMLEscaping.text(step.type)) "
                html += "<code>\(HTMLEscaping.text(step.repr))</code></li>\n"
            }
            html += "</ol></div>\n"
        }
        html += "</body></html>\n"
        return html
    }

    /// A polyline of a signal's level per call.
    static func chart(_ signal: LeakSignal) -> String {
        let width = 640.0, height = 160.0
        let values = signal.series.map(Double.init)
        guard let low = values.min(), let high = values.max(), values.count > 1 else { return "" }
        let span = max(high - low, 1)
        let points = values.enumerated().map { index, value in
            String(format: "%.1f,%.1f", Double(index) / Double(values.count - 1) * width,
                   height - (value - low) / span * (height - 10) - 5)
        }.joined(separator: " ")
        let title = signal.name == "blocks" ? "Python memory blocks per call" : "C heap bytes per call"
        return """
            <figure><figcaption>\(HTMLEscaping.text(title)) (\(Int(low))–\(Int(high)))</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" role="img">
            <rect width="100%" height="100%" fill="#fafafa"/>
            <polyline fill="none" stroke="#c33" stroke-width="1.5" points="\(points)"/></svg></figure>

            """
    }
}
