import CPythonShim

/// A process of the target's tree, as pyinspect found it running.
public struct LeftoverProcess: Equatable, Sendable {
    public var pid: Int32
    /// Its command line, arguments joined by spaces (cut at 159 bytes).
    public var command: String
    public init(pid: Int32, command: String) {
        self.pid = pid
        self.command = command
    }
}

/// The processes under pyinspect (the target and everything it started: pyinspect is their subreaper, so
/// orphans stay in its tree). See process_tree.c for the mechanisms.
enum ProcessTree {
    static let describedLimit = 64

    /// Waits up to `graceSeconds` for the tree to end by itself, then kills what is left (SIGKILL) and returns it.
    static func endDescendants(graceSeconds: Double) -> [LeftoverProcess] {
        var found = [pyi_leftover_process](repeating: pyi_leftover_process(), count: describedLimit)
        let count = Int(pyi_supervisor_end_descendants(graceSeconds, &found, Int32(describedLimit)))
        return found.prefix(min(count, describedLimit)).map(LeftoverProcess.init)
    }

    /// The live processes under pyinspect now.
    static func liveDescendants() -> [LeftoverProcess] {
        var found = [pyi_leftover_process](repeating: pyi_leftover_process(), count: describedLimit)
        let count = Int(pyi_supervisor_live_descendants(&found, Int32(describedLimit)))
        return found.prefix(min(count, describedLimit)).map(LeftoverProcess.init)
    }
}

extension LeftoverProcess {
    init(_ raw: pyi_leftover_process) {
        var copy = raw
        let command = withUnsafeBytes(of: &copy.command) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        self.init(pid: raw.pid, command: command)
    }
}
