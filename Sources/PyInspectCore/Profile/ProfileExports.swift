import FoundationEssentials

/// Writes the profile's exports a command asked for (`--html`, `--speedscope`, `--collapsed` of `profile` and
/// `run --profile`). Each path that is nil is skipped; each file that cannot be rendered or written gives one
/// line (`cannot write PATH: why`) and does not stop the others. The caller prints the lines and picks the exit
/// status.
public enum ProfileExports {
    public static func write(stacks: ProfileStacks, title: String = "pyinspect profile", htmlPath: String?,
                             speedscopePath: String?, collapsedPath: String?) -> [String] {
        var errors: [String] = []
        func save(_ path: String?, _ render: () throws -> String) {
            guard let path else { return }
            do {
                try Data(render().utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                errors.append("cannot write \(path): \(error)")
            }
        }
        save(htmlPath) { try ProfileHTMLReport.render(stacks, title: title) }
        save(speedscopePath) { try ProfileSpeedscope.render(stacks, name: title) }
        save(collapsedPath) { ProfileCollapsed.render(stacks) }
        return errors
    }
}
