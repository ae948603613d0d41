import FoundationEssentials
import Glibc

/// `pyinspect run --html FILE`: one self-contained page (no script, no external resource; a Content-Security-Policy
/// forbids both) of run's report: the verdict and how the target ended, wall/CPU/peak RSS, then one part per
/// report section that has something to show. Target text (names, messages, files, code) goes through
/// `HTMLEscaping` only. Pure: the same report gives the same page.
public enum RunHTMLReport {
    /// One titled part of the page, with an anchor for the table of contents.
    struct Part {
        var id: String
        var title: String
        var body: String
    }

    /// The parts in page order. A new report section (e.g. `processes`) adds one function here returning nil
    /// when the report does not have it: nothing else on the page changes.
    static func parts(_ report: Report, gil: GILCapture?) -> [Part] {
        [
            exceptionPart(report), findingsPart(report), tasksPart(report), stacksPart(report),
            threadsPart(report), processesPart(report), gcPart(report), gilPart(report, capture: gil), allocationsPart(report),
            depsPart(report),
            QuerySummary.htmlPart(report),  // issue 16
            diagnosticsPart(report),
        ].compactMap { $0 }
    }

    public static func render(_ report: Report, gil: GILCapture? = nil) -> String {
        let target = targetText(report)
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>pyinspect \(HTMLEscaping.text(report.command)): \(HTMLEscaping.text(String(target.prefix(200))))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
            table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
            td:first-child,th:first-child{text-align:left}th{background:#f6f6f6}
            .verdict{font-size:18px;padding:10px;background:#f6f6f6;border-left:6px solid #d9534f}
            .verdict.ok{border-left-color:#5cb85c}.verdict.warn{border-left-color:#f0ad4e}
            code,pre{font:12px ui-monospace,monospace}pre{background:#f6f6f6;padding:6px;overflow:auto;white-space:pre-wrap}
            .finding{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:8px 0}.kind{font-weight:600}
            .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
            nav a{margin-right:12px}.muted{color:#666}
            </style></head><body>

            """
        html += "<h1>pyinspect \(HTMLEscaping.text(report.command))</h1>\n"
        html += "<p><code>\(HTMLEscaping.text(target))</code>"
        if let python = report.python {
            html += " <span class=\"muted\">— Python \(HTMLEscaping.text(python.version))"
            html += python.virtualenv ? " in the virtualenv \(HTMLEscaping.text(python.prefix))" : ""
            html += "</span>"
        }
        html += "</p>\n"
        html += "<p class=\"verdict \(verdictClass(report.verdict))\"><strong>\(HTMLEscaping.text(report.verdict.rawValue))</strong> — "
        html += "\(HTMLEscaping.text(RunSummary.describeEnd(report)))</p>\n"
        html += figuresTable(report)
        let parts = parts(report, gil: gil)
        if !parts.isEmpty {
            html += "<nav>" + parts.map { "<a href=\"#\($0.id)\">\(HTMLEscaping.text($0.title))</a>" }.joined() + "</nav>\n"
        }
        for part in parts {
            html += "<section id=\"\(part.id)\"><h2>\(HTMLEscaping.text(part.title))</h2>\n\(part.body)</section>\n"
        }
        return html + "</body></html>\n"
    }

    static func targetText(_ report: Report) -> String {
        guard let target = report.target else { return "" }
        let head = target.kind == "module" ? "-m \(target.value)" : target.kind == "code" ? "-c \(target.value)" : target.value
        return ([head] + target.arguments).joined(separator: " ")
    }

    static func verdictClass(_ verdict: Verdict) -> String {
        switch verdict {
        case .clean: return "ok"
        case .finding, .interrupted: return "warn"
        default: return ""
        }
    }

    static func figuresTable(_ report: Report) -> String {
        var rows: [(String, String)] = [("exit status", "\(report.exitStatus)")]
        if let wall = report.wallS { rows.append(("wall", format("%.3f s", wall))) }
        if let cpu = report.cpuS {
            var text = format("%.3f s", cpu)
            if let user = report.cpuUserS, let system = report.cpuSystemS {
                text += format(" (user %.3f, system %.3f)", user, system)
            }
            rows.append(("CPU", text))
        }
        if let rss = report.peakRssBytes { rows.append(("peak RSS", formatBytes(rss))) }
        rows.append(("threads", "\(report.threads.count)"))
        if let gc = report.gc {
            rows.append(("gc", "\(gc.collections.reduce(0, +)) collections, " + format("%.1f ms paused", gc.pauseTotalS * 1000)))
        }
        return "<table>" + rows.map { "<tr><td>\($0.0)</td><td>\(HTMLEscaping.text($0.1))</td></tr>" }.joined() + "</table>\n"
    }

    // MARK: parts

    static func exceptionPart(_ report: Report) -> Part? {
        guard let exception = report.exception else { return nil }
        var body = "<p><code>\(HTMLEscaping.text(exception.type)): \(HTMLEscaping.text(exception.message))</code></p>\n"
        if let stack = exception.stack, !stack.isEmpty { body += stackBlock(stack, caption: "innermost first") }
        return Part(id: "exception", title: "Uncaught exception", body: body)
    }

    static func findingsPart(_ report: Report) -> Part? {
        guard !report.findings.isEmpty else { return nil }
        var body = ""
        for finding in report.findings {
            body += "<div class=\"finding\"><p><span class=\"kind\">\(HTMLEscaping.text(finding.kind))</span>: \(HTMLEscaping.text(finding.message))</p>\n"
            var facts: [String] = []
            if let thread = finding.thread { facts.append("thread <code>\(HTMLEscaping.text(thread))</code>") }
            if let task = finding.task { facts.append("task <code>\(HTMLEscaping.text(task))</code>") }
            if let site = finding.site { facts.append("at <code>\(HTMLEscaping.text(site.file)):\(site.line)</code>") }
            if let created = finding.created { facts.append("created at <code>\(HTMLEscaping.text(created.file)):\(created.line)</code>") }
            if let seconds = finding.seconds { facts.append(format("%.3f s", seconds)) }
            if let imported = finding.imported { facts.append(imported ? "imported by the program" : "not imported") }
            if let installed = finding.installed { facts.append("installed <code>\(HTMLEscaping.text(installed))</code>") }
            if !facts.isEmpty { body += "<p class=\"muted\">" + facts.joined(separator: " · ") + "</p>\n" }
            if let cycle = finding.cycle, !cycle.isEmpty {
                body += "<p>cycle: " + cycle.map { "<code>\(HTMLEscaping.text($0))</code>" }.joined(separator: " → ") + "</p>\n"
            }
            if let exception = finding.exception {
                body += "<p><code>\(HTMLEscaping.text(exception.type)): \(HTMLEscaping.text(exception.message))</code></p>\n"
            }
            if let plan = finding.plan, !plan.isEmpty {  // issue 16: slow_query under --explain
                body += "<p>plan:</p><pre>" + HTMLEscaping.text(plan.joined(separator: "\n")) + "</pre>\n"
            }
            if let stack = finding.stack, !stack.isEmpty { body += stackBlock(stack, caption: nil) }
            body += "</div>\n"
        }
        return Part(id: "findings", title: "Findings (\(report.findings.count))", body: body)
    }

    static func tasksPart(_ report: Report) -> Part? {
        guard let tasks = report.tasks, !tasks.isEmpty else { return nil }
        var body = "<table><tr><th>task</th><th>thread</th><th>at</th><th>created at</th><th>waiting for</th></tr>\n"
        for task in tasks {
            body += "<tr><td>\(HTMLEscaping.text(task.name))</td><td>\(HTMLEscaping.text(task.thread ?? "–"))</td>"
            body += "<td>\(site(task.site))</td><td>\(site(task.created))</td><td>\(HTMLEscaping.text(task.waitsFor ?? "–"))</td></tr>\n"
        }
        return Part(id: "tasks", title: "asyncio tasks when stopped", body: body + "</table>\n")
    }

    static func stacksPart(_ report: Report) -> Part? {
        guard let stacks = report.stacks, !stacks.isEmpty else { return nil }
        var body = ""
        for stack in stacks {
            let id = stack.nativeId.map { " (native id \($0))" } ?? ""
            body += "<h3>\(HTMLEscaping.text(stack.name))\(id)</h3>\n" + stackBlock(stack.frames, caption: nil)
        }
        return Part(id: "stacks", title: "Stacks when stopped", body: body)
    }

    static func threadsPart(_ report: Report) -> Part? {
        guard !report.threads.isEmpty else { return nil }
        var body = "<table><tr><th>thread</th><th>native id</th><th>daemon</th><th>started s</th><th>ended s</th></tr>\n"
        for thread in report.threads {
            body += "<tr><td>\(HTMLEscaping.text(thread.name))</td><td>\(thread.nativeId.map(String.init) ?? "–")</td>"
            body += "<td>\(thread.daemon.map { $0 ? "yes" : "no" } ?? "–")</td>"
            body += "<td>\(thread.startedS.map { format("%.3f", $0) } ?? "–")</td><td>\(thread.endedS.map { format("%.3f", $0) } ?? "–")</td></tr>\n"
        }
        return Part(id: "threads", title: "Threads (\(report.threads.count))", body: body + "</table>\n")
    }

    /// Every child process of the target (docs/processes.md): role, how it ended and its own figures.
    static func processesPart(_ report: Report) -> Part? {
        guard let processes = report.processes, !processes.isEmpty else { return nil }
        var body = "<table><tr><th>pid</th><th>parent</th><th>role</th><th>started by</th><th>verdict</th>"
        body += "<th>exit</th><th>wall s</th><th>cpu s</th><th>peak RSS</th><th>command</th></tr>\n"
        for process in processes {
            let ending = process.signalName ?? process.exitStatus.map(String.init) ?? "–"
            body += "<tr><td>\(process.pid)</td><td>\(process.parentPid.map(String.init) ?? "–")</td>"
            body += "<td>\(HTMLEscaping.text(process.role))</td><td>\(HTMLEscaping.text(process.startMethod))</td>"
            body += "<td>\(HTMLEscaping.text(process.verdict))</td><td>\(HTMLEscaping.text(ending))</td>"
            body += "<td>\(process.wallS.map { format("%.3f", $0) } ?? "–")</td><td>\(process.cpuS.map { format("%.3f", $0) } ?? "–")</td>"
            body += "<td>\(process.peakRssBytes.map { format("%.1f MiB", Double($0) / 1_048_576) } ?? "–")</td>"
            body += "<td><code>\(HTMLEscaping.text(process.command))</code></td></tr>\n"
            for finding in process.findings {
                body += "<tr><td></td><td colspan=\"9\">\(HTMLEscaping.text(finding.kind)): \(HTMLEscaping.text(finding.message))</td></tr>\n"
            }
        }
        return Part(id: "processes", title: "Processes (\(processes.count))", body: body + "</table>\n")
    }

    static func gcPart(_ report: Report) -> Part? {
        guard let gc = report.gc else { return nil }
        var body = "<table><tr><th>generation</th><th>collections</th></tr>\n"
        for (generation, count) in gc.collections.enumerated() { body += "<tr><td>\(generation)</td><td>\(count)</td></tr>\n" }
        body += "</table>\n<p>\(gc.collected) objects collected, \(gc.uncollectable) uncollectable; "
        body += format("paused %.1f ms in total, %.1f ms at most", gc.pauseTotalS * 1000, gc.pauseMaxS * 1000)
        if gc.enabledAtEnd == false { body += "; the target had disabled the collector at its end" }
        return Part(id: "gc", title: "Garbage collector", body: body + ".</p>\n")
    }

    /// The GIL figures with `pyinspect gil --html`'s own pieces: verdict, timeline, thread table, longest holds.
    static func gilPart(_ report: Report, capture: GILCapture?) -> Part? {
        guard let section = report.gil else { return nil }
        var body = "<p class=\"verdict\(section.verdict.gilBound ? "" : " ok")\">\(HTMLEscaping.text(section.verdict.text))</p>\n"
        if !section.verdict.advice.isEmpty {
            body += "<ul>" + section.verdict.advice.map { "<li>\(HTMLEscaping.text($0))</li>" }.joined() + "</ul>\n"
        }
        body += "<p>" + section.verdict.figures.map(HTMLEscaping.text).joined(separator: " · ") + "</p>\n"
        if let capture {
            body += GILHTMLReport.timelineSVG(
                GILTimeline.build(capture: capture), names: GILTimeline.laneNames(record: capture.record, section: section))
        }
        body += GILHTMLReport.threadTable(section) + GILHTMLReport.holdsSection(section)
        // The GIL report's own headings are h2: one level down inside this part.
        body = body.replacing("<h3>", with: "<h4>").replacing("</h3>", with: "</h4>")
            .replacing("<h2>", with: "<h3>").replacing("</h2>", with: "</h3>")
        return Part(id: "gil", title: "GIL (\(section.mode))", body: body)
    }

    /// Sites shown on the page; the JSON report has them all.
    static let allocationSitesShown = 20

    static func allocationsPart(_ report: Report) -> Part? {
        guard let allocations = report.allocations else { return nil }
        var body = "<p>\(allocations.exact ? "Every allocation recorded" : "One allocation sampled per \(formatBytes(Int64(allocations.sampleBytes))) on average (estimates)"): "
        body += "peak \(formatBytes(allocations.peakBytes)), \(formatBytes(allocations.allocatedBytes)) allocated in all, "
        body += "\(formatBytes(allocations.liveBytesAtExit)) still allocated at exit; \(allocations.siteCount) sites.</p>\n"
        guard !allocations.sites.isEmpty else { return Part(id: "allocations", title: "Allocations", body: body) }
        body += "<table><tr><th>site</th><th>function</th><th>at peak</th><th>at exit</th><th>allocated</th><th>allocations</th></tr>\n"
        for site in allocations.sites.prefix(allocationSitesShown) {
            body += "<tr><td><code>\(HTMLEscaping.text(site.file)):\(site.line)</code></td><td>\(HTMLEscaping.text(site.function))</td>"
            body += "<td>\(formatBytes(site.peakBytes))</td><td>\(formatBytes(site.liveBytesAtExit))</td>"
            body += "<td>\(formatBytes(site.allocatedBytes))</td><td>\(site.allocations)</td></tr>\n"
        }
        body += "</table>\n"
        if allocations.sites.count > allocationSitesShown {
            body += "<p class=\"muted\">The \(allocationSitesShown) largest of \(allocations.sites.count) sites; the JSON report lists them all.</p>\n"
        }
        return Part(id: "allocations", title: "Allocations", body: body)
    }

    /// `deps`: the environment, then where each imported module came from (not the standard library's).
    static func depsPart(_ report: Report) -> Part? {
        guard let deps = report.deps else { return nil }
        var body = "<p>\(deps.distributions) distributions, \(deps.requirementsChecked) requirements checked, "
        body += "\(deps.conflicts) conflicts.</p>\n"
        if !deps.projectFiles.isEmpty {
            body += "<p>Project files: " + deps.projectFiles.map { "<code>\(HTMLEscaping.text($0))</code>" }.joined(separator: ", ") + "</p>\n"
        }
        let rows = deps.modules.filter { $0.origin != "standard library" && $0.origin != "built-in" }
        if !rows.isEmpty {
            body += "<table><tr><th>module</th><th>from</th><th>file</th><th>first imported at</th></tr>\n"
            for module in rows {
                let from = module.distribution.map { "\($0) \(module.version ?? "")" } ?? module.origin
                let failed = module.importFailed == true ? " (import failed)" : ""
                body += "<tr><td><code>\(HTMLEscaping.text(module.name))</code></td><td>\(HTMLEscaping.text(from + failed))</td>"
                body += "<td><code>\(HTMLEscaping.text(module.file ?? "–"))</code></td><td>\(site(module.importedFrom))</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += "<p class=\"muted\">\(deps.modules.count - rows.count) standard-library and built-in modules not listed; sys.path: "
        body += deps.sysPath.map { "<code>\(HTMLEscaping.text($0))</code>" }.joined(separator: " ") + "</p>\n"
        return Part(id: "deps", title: "Dependencies", body: body)
    }

    static func diagnosticsPart(_ report: Report) -> Part? {
        guard !report.diagnostics.isEmpty else { return nil }
        let items = report.diagnostics.map { "<li><strong>\($0.level.rawValue)</strong>: \(HTMLEscaping.text($0.message))</li>" }
        return Part(id: "diagnostics", title: "Diagnostics", body: "<ul>" + items.joined() + "</ul>\n")
    }

    // MARK: pieces

    static func stackBlock(_ frames: [StackFrame], caption: String?) -> String {
        var text = frames.prefix(50).map { frame -> String in
            let code = frame.code.map { "\n    \($0)" } ?? ""
            return "\(frame.file):\(frame.line) in \(frame.function)\(code)"
        }.joined(separator: "\n")
        if frames.count > 50 { text += "\n… \(frames.count - 50) more" }
        let note = caption.map { "<p class=\"muted\">\(HTMLEscaping.text($0))</p>" } ?? ""
        return note + "<pre>\(HTMLEscaping.text(text))</pre>\n"
    }

    static func site(_ site: SourceSite?) -> String {
        site.map { "<code>\(HTMLEscaping.text($0.file)):\($0.line)</code>" } ?? "–"
    }

    static func format(_ pattern: String, _ values: CVarArg...) -> String { String(format: pattern, arguments: values) }
}
