import FoundationEssentials
import Glibc

/// One line of a child's record file (child_process.py documents the format; main.c writes `process_ended`
/// for pyinspect-python processes). Fields absent from a kind of record stay nil.
public struct ChildProcessRecord: Decodable, Sendable, Equatable {
    public var record: String
    /// The writer.
    public var pid: Int32
    /// CLOCK_MONOTONIC seconds, comparable across processes.
    public var monotonicS: Double?
    // process_started
    public var startedBy: String?
    public var parentPid: Int32?
    public var argv: [String]?
    public var forkSite: [StackFrame]?
    // process_ended
    public var how: String?
    public var exitCode: Int32?
    public var cpuUserS: Double?
    public var cpuSystemS: Double?
    public var peakRssBytes: Int64?
    // process_reaped (written by the parent that reaped `childPid`)
    public var childPid: Int32?
    public var status: Int32?
    public var maxRssBytes: Int64?
    // process_spawned (written by the parent right after subprocess.Popen started `childPid`, whose `argv` it has)
    /// The program is a Python interpreter.
    public var python: Bool?
    /// false: Popen was given an environment without PYINSPECT_CHILD_DIR, so the child runs without instruments.
    public var childDirKept: Bool?

    public init(record: String, pid: Int32) {
        self.record = record
        self.pid = pid
    }

    enum CodingKeys: String, CodingKey {
        case record, pid, monotonicS = "monotonic_s", startedBy = "started_by", parentPid = "parent_pid", argv
        case forkSite = "fork_site", how, exitCode = "exit_code", cpuUserS = "cpu_user_s", cpuSystemS = "cpu_system_s"
        case peakRssBytes = "peak_rss_bytes", childPid = "child_pid", status, maxRssBytes = "max_rss_bytes"
        case python, childDirKept = "child_dir_kept"
    }
}

/// Every record the target's processes left in the child directory.
public struct ChildProcessCapture: Sendable, Equatable {
    public var records: [ChildProcessRecord] = []
    public var unreadableLines = 0
    /// Processes still alive when the parent stopped waiting for them (ChildProcessSettle).
    public var stillRunning: Set<Int32> = []
    /// `run --allocations`: what each pyinspect-python process sampled, by pid.
    public var allocations: [Int32: AllocationRecord] = [:]
    /// Hang events (never-awaited coroutines, exceptions never retrieved...) each pyinspect-python process recorded.
    public var hangEvents: [Int32: [HangEventRecord]] = [:]
    /// `run --gil`: each pyinspect-python process's own GIL trace (`<pid>.gil.json`) and the threads it started.
    public var gil: [Int32: GILCapture] = [:]
    public var threads: [Int32: [ThreadInfo]] = [:]
    /// A deadlock a child's own watcher found (child_hangs.py): the snapshot it took, with its stacks.
    public var hangSnapshots: [Int32: HangSnapshotRecord] = [:]
    /// The database statements and connections each process recorded (queries.py), by pid.
    public var queries: [Int32: QueryCapture] = [:]
    /// pyinspect's own threads in a child (child_hangs.py's watcher), by native id: left out of its GIL figures.
    public var hostThreads: [Int32: [Int64: String]] = [:]

    /// The names a process's records give its threads, by ident (its thread starts, the threads of its deadlock
    /// snapshot): a child's stack dump, written where no name can be read, has only idents.
    public func threadNames(of pid: Int32) -> [UInt64: String] {
        var names: [UInt64: String] = [:]
        for thread in threads[pid] ?? [] { if let ident = thread.ident { names[ident] = thread.name } }
        for thread in hangSnapshots[pid]?.threads ?? [] { names[thread.ident] = thread.name }
        return names
    }

    public init(records: [ChildProcessRecord] = [], unreadableLines: Int = 0) {
        self.records = records
        self.unreadableLines = unreadableLines
    }

    /// Reads `<directory>/*.jsonl`; a missing directory is an empty capture.
    public static func read(directory: String) -> ChildProcessCapture {
        var capture = ChildProcessCapture()
        let names = directoryEntryNames(directory) ?? []
        let decoder = JSONDecoder()
        for name in names.sorted() where name.hasSuffix(".jsonl") {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var otherRecords = false
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                // Other records (the allocations of `run --allocations`) are capture.py's: RunCapture reads them.
                // Every record names its kind first: {"record": "process_started", ...
                if !String(decoding: line.prefix(40), as: UTF8.self).contains(#""process_"#) {
                    otherRecords = true
                    continue
                }
                if let record = try? decoder.decode(ChildProcessRecord.self, from: Data(line)) {
                    capture.records.append(record)
                } else {
                    capture.unreadableLines += 1  // a line cut short by a kill
                }
            }
            if otherRecords, let pid = Int32(name.dropLast(".jsonl".count)) {
                let own = RunCapture.read(path: path)
                capture.allocations[pid] = own.allocations
                let events = own.hangEvents
                if !events.isEmpty { capture.hangEvents[pid] = events }
                if !own.startedThreads.isEmpty { capture.threads[pid] = own.startedThreads }
                if let snapshot = own.hangSnapshot { capture.hangSnapshots[pid] = snapshot }
                if !own.hostThreads.isEmpty { capture.hostThreads[pid] = own.hostThreads }
                let queries = own.queries
                if !queries.statements.isEmpty || !queries.connections.isEmpty || !queries.pools.isEmpty {
                    capture.queries[pid] = queries
                }
            }
            if let pid = Int32(name.dropLast(".jsonl".count)),
                let trace = GILCapture.read(capturePath: directory + "/" + String(pid)) {
                capture.gil[pid] = trace
            }
        }
        return capture
    }
}
