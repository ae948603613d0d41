import CPythonShim
import FoundationEssentials
import Glibc

/// One process of the target's tree, with its threads' Python stacks when pyinspect stopped the target.
public struct ChildStack: Codable, Sendable, Equatable {
    public var pid: Int32
    /// Its command line (cut), as it was running.
    public var command: String?
    /// "multiprocessing worker", "multiprocessing forkserver", "multiprocessing resource tracker", "fork of
    /// the target", or nil when not known.
    public var role: String?
    /// Innermost frame first, as `stacks`.
    public var threads: [ThreadStack]

    public init(pid: Int32, command: String?, role: String?, threads: [ThreadStack]) {
        self.pid = pid
        self.command = command
        self.role = role
        self.threads = threads
    }

    enum CodingKeys: String, CodingKey { case pid, command, role, threads }
}

/// The children's stacks at a stop (child_stacks.c writes them, one `<pid>.stacks` per process, into
/// `$PYINSPECT_CHILD_DIR`).
enum ChildStacks {
    /// Asks every live process under pyinspect for its stacks, and waits until each has written them or is gone
    /// (a process without the handler, not Python, dies of the signal: it was about to be killed), at most
    /// `seconds`.
    static func request(directory: String, seconds: Double = 1.0) {
        let live = ProcessTree.liveDescendants()
        let signal = pyi_child_stacks_signal()
        for process in live {
            unlink(path(directory: directory, pid: process.pid))
            kill(process.pid, signal)
        }
        let deadline = monotonicSeconds() + seconds
        var waiting = live.map(\.pid)
        while !waiting.isEmpty && monotonicSeconds() < deadline {
            waiting.removeAll { access(path(directory: directory, pid: $0), F_OK) == 0 || !isRunning($0) }
            if !waiting.isEmpty { usleep(10_000) }
        }
    }

    /// The stacks written, one entry per process that has threads, by pid; commands from `known` (the processes
    /// pyinspect listed before killing them).
    static func read(
        directory: String, known: [LeftoverProcess], targetCommand: String? = nil,
        threadNames: (Int32) -> [UInt64: String] = { _ in [:] }
    ) -> [ChildStack] {
        guard let names = directoryEntryNames(directory) else { return [] }
        let commands = Dictionary(known.map { ($0.pid, $0.command) }, uniquingKeysWith: { first, _ in first })
        return names.compactMap { name -> ChildStack? in
            guard name.hasSuffix(".stacks"), let pid = Int32(name.dropLast(".stacks".count)),
                let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            else { return nil }
            let threads = FaultHandlerDump.parse(text, names: threadNames(pid))
            guard !threads.isEmpty else { return nil }
            let command = commands[pid]
            let role = role(frames: threads.flatMap(\.frames)) ?? role(command: command, targetCommand: targetCommand)
            return ChildStack(pid: pid, command: command, role: role, threads: threads)
        }.sorted { $0.pid < $1.pid }
    }

    /// What a multiprocessing child started by fork is, from what it runs.
    static func role(frames: [StackFrame]) -> String? {
        if frames.contains(where: { $0.function == "worker" && $0.file.hasSuffix("multiprocessing/pool.py") }) {
            return "multiprocessing pool worker"
        }
        if frames.contains(where: { $0.function == "_bootstrap" && $0.file.hasSuffix("multiprocessing/process.py") }) {
            return "multiprocessing process"
        }
        return nil
    }

    /// What a process is, from its command line.
    static func role(command: String?, targetCommand: String?) -> String? {
        guard let command else { return nil }
        if command.contains("--multiprocessing-fork") { return "multiprocessing worker" }
        if command.contains("multiprocessing.resource_tracker") { return "multiprocessing resource tracker" }
        if command.contains("multiprocessing.forkserver") { return "multiprocessing forkserver" }
        if let targetCommand, command == targetCommand { return "fork of the target" }
        return nil
    }

    /// pyinspect's own command line as /proc shows it (a fork of the target keeps it), cut as leftovers are.
    static func ownCommand() -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/self/cmdline") else { return nil }
        var bytes = Array(data.prefix(159))
        while bytes.last == 0 { bytes.removeLast() }
        return String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    static func path(directory: String, pid: Int32) -> String { "\(directory)/\(pid).stacks" }

    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state != "Z" && state != "X"
    }
}

extension ChildStacks {
    /// `report` with `child_stacks` when the tree's processes wrote any.
    static func add(
        to report: Report, directory: String?, outcome: ChildOutcome,
        threadNames: (Int32) -> [UInt64: String] = { _ in [:] }
    ) -> Report {
        guard let directory else { return report }
        let stacks = read(
            directory: directory, known: outcome.killedDescendants, targetCommand: ownCommand(), threadNames: threadNames)
        guard !stacks.isEmpty else { return report }
        var report = report
        report.childStacks = stacks
        return report
    }
}
