import Glibc

/// Text output of the service commands (the default; `--json FILE` writes the reply's section instead).
public enum ServiceText {
    public static func checkpoint(_ summary: CheckpointSummary) -> String {
        var lines = [
            "checkpoint \(summary.index) \"\(printable(summary.name))\" at \(seconds(summary.timeS)) s"
                + (summary.pauseS.map { " (target paused \(Int(($0 * 1000).rounded())) ms)" } ?? ""),
            "  memory: RSS \(bytes(summary.memory.rssBytes)), Python \(summary.memory.pythonBlocks) blocks, "
                + "C heap \(bytes(summary.memory.cHeapBytes))",
            "  objects \(summary.objects), fds \(summary.fds), threads \(summary.threads), tasks \(summary.tasks)",
        ]
        for site in summary.topSites ?? [] {
            lines.append("  alive: \(bytes(site.liveBytes)) from \(site.file):\(site.line) in \(printable(site.function))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func diff(_ diff: DiffSection) -> String {
        var lines = [
            "diff \(diff.from.index) \"\(printable(diff.from.name))\" -> "
                + (diff.to.index == 0 ? "now" : "\(diff.to.index) \"\(printable(diff.to.name))\"")
                + " over \(seconds(diff.seconds)) s",
            "  memory: RSS \(signed(diff.memory.rssBytes, bytes)), Python \(signed(diff.memory.pythonBlocks, String.init)) blocks, "
                + "C heap \(signed(diff.memory.cHeapBytes, bytes))",
            "  objects \(signed(diff.objects, String.init)), fds \(signed(Int64(diff.fds), String.init)), "
                + "threads \(signed(Int64(diff.threads), String.init)), tasks \(signed(Int64(diff.tasks), String.init))",
        ]
        if let verdict = diff.verdict {
            let growing = verdict.signals.filter { $0.trend == .growing }.map(\.name)
            lines.append("  verdict over \(verdict.checkpoints) checkpoints: \(verdict.verdict)"
                + (growing.isEmpty ? "" : " (growing: \(growing.joined(separator: ", ")))"))
        }
        if !diff.sites.isEmpty { lines.append("  sites that grew (sampled bytes alive):") }
        for site in diff.sites.prefix(10) {
            lines.append("    \(signed(site.bytesDelta, bytes))  \(site.file):\(site.line) in \(printable(site.function))")
        }
        if !diff.types.isEmpty { lines.append("  types that grew:") }
        for type in diff.types.prefix(10) {
            lines.append("    +\(type.delta)  \(printable(type.type))")
            if let chain = type.chain, !chain.isEmpty {
                let path = chain.map { step in step.via.isEmpty ? printable(step.repr, limit: 60) : step.via }.joined()
                lines.append("      held by: \(path)")
            }
        }
        for note in diff.notes ?? [] { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public struct Dump: Codable, Sendable {
        public struct Frame: Codable, Sendable {
            public var file: String
            public var line: Int?
            public var function: String?
        }
        public struct Thread: Codable, Sendable {
            public var name: String
            public var nativeId: Int64?
            public var frames: [Frame]
            enum CodingKeys: String, CodingKey { case name, nativeId = "native_id", frames }
        }
        public struct Owner: Codable, Sendable { public var name: String? }
        public struct Wait: Codable, Sendable {
            public var kind: String
            public var object: String?
            public var owners: [Owner]?
        }
        public struct Task: Codable, Sendable {
            public var name: String
            public var frames: [Frame]?
            public var waits: Wait?
            public var running: Bool?
        }
        public var threads: [Thread]
        public var tasks: [Task]
    }

    public static func dump(_ dump: Dump) -> String {
        var lines: [String] = []
        for thread in dump.threads {
            lines.append("thread \(printable(thread.name))" + (thread.nativeId.map { " (native id \($0))" } ?? ""))
            for frame in thread.frames {
                lines.append("    \(printable(frame.function ?? "?")) (\(frame.file):\(frame.line ?? 0))")
            }
        }
        for task in dump.tasks {
            var line = "task \(printable(task.name))"
            if task.running == true { line += " running" }
            if let wait = task.waits {
                let owners = (wait.owners ?? []).compactMap(\.name).map { printable($0) }
                line += " waits on \(wait.kind) \(wait.object ?? "")" + (owners.isEmpty ? "" : " held by \(owners.joined(separator: ", "))")
            }
            lines.append(line)
            for frame in task.frames ?? [] {
                lines.append("    \(printable(frame.function ?? "?")) (\(frame.file):\(frame.line ?? 0))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"<key>": body}` to `path` ("-": stdout). nil, or the reason it failed.
    public static func writeJSON(key: String, body: String, to path: String) -> String? {
        let text = "{\"\(key)\":\(body)}\n"
        if path == "-" {
            fputs(text, stdout)
            return nil
        }
        guard let file = fopen(path, "w") else { return "cannot write \(path): \(String(cString: strerror(errno)))" }
        fputs(text, file)
        return fclose(file) == 0 ? nil : "cannot write \(path): \(String(cString: strerror(errno)))"
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f", value) }

    static func bytes(_ value: Int64) -> String {
        let magnitude = Double(abs(value))
        if magnitude >= 1_048_576 { return String(format: "%.1f MiB", Double(value) / Double(1 << 20)) }
        if magnitude >= 1024 { return String(format: "%.1f KiB", Double(value) / Double(1 << 10)) }
        return "\(value) B"
    }

    static func signed(_ value: Int64, _ render: (Int64) -> String) -> String {
        value > 0 ? "+" + render(value) : render(value)
    }
}
