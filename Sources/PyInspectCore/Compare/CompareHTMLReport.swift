import FoundationEssentials
import Glibc

/// One self-contained page: the recommendation, a bar chart of wall time per mode (each round a tick), the
/// figures. Everything from the target goes through HTMLEscaping.
public enum CompareHTMLReport {
    public static func render(_ report: Report) -> String {
        guard let section = report.compare else {
            let interrupted = report.verdict == .interrupted ? report.diagnostics.first { $0.level == .warning }?.message : nil
            return page(title: "pyinspect compare", body: "<p>No comparison: \(HTMLEscaping.text(report.exception.map { "the target raised \($0.type): \($0.message)" } ?? interrupted ?? "the measurement did not complete"))</p>")
        }
        let names = ["serial", "threads", "processes"].filter { section.modes[$0] != nil }
        let longest = names.compactMap { section.modes[$0]?.roundsWallS.max() }.max() ?? 1
        let width = 640.0
        let barHeight = 34.0
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"\(Int(Double(names.count) * (barHeight + 16) + 30))\" role=\"img\" aria-label=\"wall time per mode\">"
        for (index, name) in names.enumerated() {
            guard let mode = section.modes[name] else { continue }
            let y = 10 + Double(index) * (barHeight + 16)
            let length = max(1, mode.wallS / longest * width)
            let colour = name == section.recommendation ? "#2e7d32" : "#90a4ae"
            svg += "<text x=\"0\" y=\"\(y + 22)\" font-size=\"14\">\(name)</text>"
            svg += "<rect x=\"100\" y=\"\(y)\" width=\"\(String(format: "%.1f", length))\" height=\"\(barHeight)\" fill=\"\(colour)\"><title>\(String(format: "%.3f s", mode.wallS))</title></rect>"
            for wall in mode.roundsWallS {
                let x = 100 + wall / longest * width
                svg += "<line x1=\"\(String(format: "%.1f", x))\" x2=\"\(String(format: "%.1f", x))\" y1=\"\(y)\" y2=\"\(y + barHeight)\" stroke=\"#000\" stroke-opacity=\"0.5\"/>"
            }
            svg += "<text x=\"\(String(format: "%.1f", 106 + length))\" y=\"\(y + 22)\" font-size=\"13\">\(String(format: "%.3f s · %.2fx", mode.wallS, mode.speedup))</text>"
        }
        svg += "</svg>"
        var rows = ""
        for name in names {
            guard let mode = section.modes[name] else { continue }
            rows += "<tr><td>\(name)</td><td>\(String(format: "%.3f", mode.wallS))</td><td>\(String(format: "%.3f", mode.cpuS))</td><td>\(String(format: "%.2fx", mode.speedup))</td><td>\(String(format: "%.2f", mode.efficiency))</td><td>\(String(format: "%.2f", mode.parallelism))</td><td>\(mode.startupS.map { String(format: "%.3f", $0) } ?? "–")</td><td>\(HTMLEscaping.text(formatBytes(mode.pickledBytes)))</td><td>\(HTMLEscaping.text(formatBytes(mode.peakRssBytes)))</td></tr>"
        }
        let interrupted = report.verdict == .interrupted
            ? report.diagnostics.filter { $0.level == .warning }.map { "<p class=\"reason\"><strong>\(HTMLEscaping.text($0.message))</strong></p>" }.joined()
            : ""
        let heading = report.verdict == .interrupted && section.modes.count < 3
            ? "<h1>Interrupted: no recommendation</h1>" : "<h1>Use <em>\(HTMLEscaping.text(section.recommendation))</em></h1>"
        let body = """
            \(heading)
            \(interrupted)
            <p class="reason">\(HTMLEscaping.text(section.reason))</p>
            <p class="meta">\(HTMLEscaping.text(section.target)) · \(section.tasks) tasks · \(section.workers) workers · \(HTMLEscaping.text(section.startMethod)) · \(section.rounds) rounds (medians; ticks are single rounds)</p>
            \(svg)
            <table><thead><tr><th>mode</th><th>wall s</th><th>cpu s</th><th>speedup</th><th>per worker</th><th>cores busy</th><th>start-up s</th><th>pickled</th><th>peak RSS</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return page(title: "pyinspect compare: \(section.target)", body: body)
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTMLEscaping.text(title))</title>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <style>body{font:15px/1.45 system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:first-child,th:first-child{text-align:left}.reason{font-size:1.1em}.meta{color:#555}</style>
        </head><body>
        \(body)
        </body></html>

        """
    }
}
