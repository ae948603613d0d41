import FoundationEssentials
import Glibc

/// `pyinspect gil --html FILE`: one self-contained page (no scripts, no external resources) with the verdict,
/// the per-thread figures and a timeline, a lane per thread: holding (red), waiting (amber), neither (blank).
/// Everything that comes from the target (thread names, files, functions) is escaped.
public enum GILHTMLReport {
    public static func render(report: Report, section: GILSection, capture: GILCapture) -> String {
        let timeline = GILTimeline.build(capture: capture)
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>pyinspect gil — \(escape(targetText(report)))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
            table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
            td:first-child,th:first-child{text-align:left}.verdict{font-size:16px;padding:10px;background:#f6f6f6;border-left:4px solid #d9534f}
            .ok{border-left-color:#5cb85c}code,pre{font:12px ui-monospace,monospace}pre{background:#f6f6f6;padding:6px;overflow:auto}
            .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
            </style></head><body>
            <h1>GIL report</h1>
            <p><code>\(escape(targetText(report)))</code> — \(escape(section.mode)) trace of \(format("%.3f", section.durationS)) s</p>

            """
        if report.verdict == .interrupted {
            html += "<p class=\"verdict\">Interrupted (exit status \(report.exitStatus)): the figures cover the run up to the interrupt.</p>\n"
        }
        html += "<p class=\"verdict\(section.verdict.gilBound ? "" : " ok")\">\(escape(section.verdict.text))</p>\n<ul>\n"
        for advice in section.verdict.advice { html += "<li>\(escape(advice))</li>\n" }
        html += "</ul>\n<p>" + section.verdict.figures.map(escape).joined(separator: " · ") + "</p>\n"
        html += timelineSVG(timeline, names: GILTimeline.laneNames(record: capture.record, section: section))
        html += threadTable(section)
        html += holdsSection(section)
        if !section.convoys.isEmpty {
            html += "<h2>Convoys</h2>\n<ul>\n"
            for convoy in section.convoys { html += "<li>\(escape(convoy.message))</li>\n" }
            html += "</ul>\n"
        }
        if section.timeline.eventsDropped > 0 {
            html += "<p>The timeline shows the first \(section.timeline.events) events; \(section.timeline.eventsDropped) later ones were not kept (the figures above are complete).</p>\n"
        }
        html += "</body></html>\n"
        return html
    }

    static func targetText(_ report: Report) -> String {
        guard let target = report.target else { return "" }
        let head = target.kind == "module" ? "-m \(target.value)" : target.kind == "code" ? "-c \(target.value)" : target.value
        return ([head] + target.arguments).joined(separator: " ")
    }

    /// Lanes drawn at most; the busiest threads (held + waited) are kept, in their original order.
    public static let maxLanes = 40

    /// `names`: by tracer slot (`GILTimeline.laneNames`); lanes without one (pyinspect's own threads) are left out.
    static func timelineSVG(_ traced: GILTimeline, names: [Int: String]) -> String {
        var full = traced
        full.lanes = traced.lanes.filter { names[$0.thread] != nil }
        var timeline = full
        var note = ""
        if full.lanes.count < traced.lanes.count {
            note += "<p>pyinspect's own threads (the hang monitor, the watchdog) took the GIL now and then; they are not drawn.</p>\n"
        }
        if full.lanes.count > maxLanes {
            func busy(_ lane: GILTimeline.Lane) -> Double { lane.held.reduce(0, +) + lane.waited.reduce(0, +) }
            let kept = Set(full.lanes.sorted { busy($0) > busy($1) }.prefix(maxLanes).map(\.thread))
            timeline.lanes = full.lanes.filter { kept.contains($0.thread) }
            note += "<p>The \(maxLanes) busiest of \(full.lanes.count) threads are drawn.</p>\n"
        }
        let label = 200.0
        let plot = 900.0
        let lane = 30.0
        let height = Double(timeline.lanes.count) * lane + 24
        let column = plot / Double(timeline.columns)
        var svg = "<h2>Timeline</h2>\n<p class=\"legend\"><span style=\"background:#d9534f\"></span>holding<span style=\"background:#f0ad4e\"></span>waiting for the GIL<span style=\"background:#fff;border:1px solid #ccc\"></span>neither</p>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(label + plot + 40))\" height=\"\(Int(height))\" font-size=\"12\">\n"
        for (row, laneData) in timeline.lanes.enumerated() {
            let y = Double(row) * lane
            let name = names[laneData.thread] ?? ""
            svg += "<text x=\"0\" y=\"\(format("%.0f", y + 19))\">\(escape(String(name.prefix(28))))</text>\n"
            svg += "<rect x=\"\(Int(label))\" y=\"\(format("%.0f", y + 2))\" width=\"\(Int(plot))\" height=\"\(Int(lane - 4))\" fill=\"none\" stroke=\"#ddd\"/>\n"
            for index in 0..<timeline.columns {
                let x = label + Double(index) * column
                let held = laneData.held[index]
                let waited = laneData.waited[index]
                if held > 0.005 {
                    svg += "<rect x=\"\(format("%.1f", x))\" y=\"\(format("%.0f", y + 2))\" width=\"\(format("%.2f", column))\" height=\"13\" fill=\"#d9534f\" fill-opacity=\"\(format("%.2f", max(0.15, held)))\"/>\n"
                }
                if waited > 0.005 {
                    svg += "<rect x=\"\(format("%.1f", x))\" y=\"\(format("%.0f", y + 15))\" width=\"\(format("%.2f", column))\" height=\"13\" fill=\"#f0ad4e\" fill-opacity=\"\(format("%.2f", max(0.15, waited)))\"/>\n"
                }
            }
        }
        let seconds = Double(timeline.durationNs) / 1e9
        for tick in 0...4 {
            let x = label + plot * Double(tick) / 4
            svg += "<text x=\"\(format("%.0f", x))\" y=\"\(format("%.0f", height - 4))\" text-anchor=\"middle\">\(format("%.3f", seconds * Double(tick) / 4)) s</text>\n"
        }
        return svg + "</svg>\n" + note
    }

    static func threadTable(_ section: GILSection) -> String {
        var html = "<h2>Threads</h2>\n<table><tr><th>thread</th><th>native id</th><th>held</th><th>waited</th><th>acquisitions</th><th>hold p50 / p99 / max ms</th><th>wait p50 / p99 / max ms</th><th>cpu s</th></tr>\n"
        for thread in section.threads {
            let waited = thread.waitFraction.map { format("%.1f%%", $0 * 100) } ?? "–"
            let holds = thread.holdMs.map { format("%.3f / %.2f / %.1f", $0.p50Ms, $0.p99Ms, thread.maxHoldMs ?? 0) } ?? "–"
            let waits = thread.waitMs.map { format("%.3f / %.2f / %.1f", $0.p50Ms, $0.p99Ms, thread.maxWaitMs ?? 0) } ?? "–"
            html += "<tr><td>\(escape(thread.name))</td><td>\(thread.nativeId)</td><td>\(format("%.1f%%", thread.heldFraction * 100))</td><td>\(waited)</td><td>\(thread.acquisitions.map(String.init) ?? "–")</td><td>\(holds)</td><td>\(waits)</td><td>\(thread.cpuS.map { format("%.3f", $0) } ?? "–")</td></tr>\n"
        }
        return html + "</table>\n<p>GIL held \(format("%.1f%%", section.heldFraction * 100)) of the run; \(section.switches) switches between threads (CPython counted \(section.cpythonSwitches)).</p>\n"
    }

    static func holdsSection(_ section: GILSection) -> String {
        guard !section.longestHolds.isEmpty else {
            return "<h2>Longest holds</h2>\n<p>No hold reached \(format("%.0f", section.longHoldThresholdMs)) ms.</p>\n"
        }
        var html = "<h2>Longest holds</h2>\n"
        for hold in section.longestHolds {
            html += "<h3>\(format("%.1f", hold.durationMs)) ms — \(escape(hold.thread)) at \(format("%.3f", hold.startS)) s</h3>\n<p>\(escape(hold.description))</p>\n"
            if !hold.stack.isEmpty {
                html += "<pre>" + hold.stack.map { escape("\($0.file):\($0.line) in \($0.function)") }.joined(separator: "\n") + "</pre>\n"
            }
        }
        return html
    }

    /// Target text for element content and quoted attributes: `HTMLEscaping`, the one escaper of every report.
    public static func escape(_ text: String) -> String { HTMLEscaping.attribute(text) }

    static func format(_ pattern: String, _ values: Any...) -> String { String(format: pattern, arguments: values) }
}
