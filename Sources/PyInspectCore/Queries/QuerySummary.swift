import FoundationEssentials

/// The `queries` section for people: the terminal summary's top statements and the HTML page's table.
enum QuerySummary {
    static let statementsShown = 5
    static let statementsShownHTML = 30

    static func lines(_ section: QuerySection) -> [String] {
        var lines = ["  \(section.count) database statement\(section.count == 1 ? "" : "s"), "
            + "\(QueryAnalysis.seconds(section.totalS)) in all; most time:"]
        for statement in section.statements.prefix(statementsShown) {
            let site = statement.sites.first.map { " from \(PathText.lastComponent($0.file)):\($0.line)" } ?? ""
            let more = statement.sites.count > 1 ? " (+\(statement.sites.count - 1) lines)" : ""
            lines.append("    \(statement.count)× \(QueryAnalysis.seconds(statement.totalS))  "
                + "\(QueryAnalysis.short(printable(statement.sql, limit: 200), limit: 90))\(site)\(more)")
        }
        return lines
    }

    /// A slow_query's plan under its finding: the first lines, indented as the database drew them.
    static let planLinesShown = 12

    static func planLines(_ plan: [String]) -> [String] {
        var lines = ["      plan:"]
        for line in plan.prefix(planLinesShown) { lines.append("        " + printable(line, limit: 160)) }
        if plan.count > planLinesShown { lines.append("        … \(plan.count - planLinesShown) more lines in the JSON report") }
        return lines
    }

    static func htmlPart(_ report: Report) -> RunHTMLReport.Part? {
        guard let section = report.queries else { return nil }
        var body = "<p>\(section.count) statements, \(HTMLEscaping.text(QueryAnalysis.seconds(section.totalS))) in all.</p>\n"
        if !section.statements.isEmpty {
            body += "<table><tr><th>statement</th><th>count</th><th>total</th><th>mean</th><th>max</th><th>rows</th><th>sent from</th></tr>\n"
            for statement in section.statements.prefix(statementsShownHTML) {
                let sites = statement.sites.prefix(3).map { "<code>\(HTMLEscaping.text($0.file)):\($0.line)</code> (\($0.count))" }
                body += "<tr><td><code>\(HTMLEscaping.text(statement.sql))</code></td><td>\(statement.count)</td>"
                body += "<td>\(HTMLEscaping.text(QueryAnalysis.seconds(statement.totalS)))</td>"
                body += "<td>\(HTMLEscaping.text(QueryAnalysis.seconds(statement.meanS)))</td>"
                body += "<td>\(HTMLEscaping.text(QueryAnalysis.seconds(statement.maxS)))</td><td>\(statement.rows)</td>"
                body += "<td>\(sites.joined(separator: "<br>"))</td></tr>\n"
            }
            body += "</table>\n"
            if section.statements.count > statementsShownHTML {
                body += "<p class=\"muted\">The \(statementsShownHTML) statements that took most time of \(section.statements.count); the JSON report lists them all.</p>\n"
            }
        }
        if let connections = section.connections, !connections.isEmpty {
            body += "<table><tr><th>connections opened at</th><th>driver</th><th>opened</th><th>closed</th><th>collected open</th><th>open at exit</th></tr>\n"
            for group in connections {
                body += "<tr><td>\(RunHTMLReport.site(group.site))</td><td>\(HTMLEscaping.text(group.driver))</td>"
                body += "<td>\(group.opened)</td><td>\(group.closed)</td><td>\(group.collectedOpen)</td><td>\(group.openAtExit)</td></tr>\n"
            }
            body += "</table>\n"
        }
        if let pools = section.pools, !pools.isEmpty {
            body += "<table><tr><th>SQLAlchemy pool at</th><th>size</th><th>max overflow</th><th>peak checked out</th><th>checkouts</th><th>waits</th><th>total wait</th><th>timeouts</th></tr>\n"
            for pool in pools {
                body += "<tr><td>\(RunHTMLReport.site(pool.site))</td><td>\(pool.size.map(String.init) ?? "?")</td>"
                body += "<td>\(pool.maxOverflow.map(String.init) ?? "?")</td><td>\(pool.peakCheckedOut)</td><td>\(pool.checkouts)</td>"
                body += "<td>\(pool.waits)</td><td>\(HTMLEscaping.text(QueryAnalysis.seconds(pool.waitTotalS)))</td><td>\(pool.timeouts)</td></tr>\n"
            }
            body += "</table>\n"
        }
        return RunHTMLReport.Part(id: "queries", title: "Database queries (\(section.count))", body: body)
    }
}
