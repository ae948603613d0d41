import FoundationEssentials
import Glibc

/// What the target's interpreter wrote to the capture file (pyscripts/pyinspect/capture.py), read back after
/// the target process has ended. Unknown records are skipped, so older readers survive newer writers.
public struct RunCapture: Sendable, Equatable {
    public var python: PythonInfo?
    public var pid: Int32?
    public var started = false
    public var end: EndRecord?
    public var stacks: [ThreadStack]?
    public var targetProblem: TargetProblem?
    /// `threading.get_ident()` of the thread that runs the target's main.
    public var mainThreadIdent: UInt64?
    /// The target called `os._exit`: where, and with what code.
    public var osExit: OSExitRecord?
    /// Things the target did that concern the instruments (sys.setprofile, os.fork, os.chdir...), in order.
    public var targetActions: [String] = []
    /// Records written by another process (a child the target forked): ignored.
    public var foreignRecords = 0
    public var unreadableLines = 0
    /// pyinspect's own native threads in the target, by native id (HostThread).
    public var hostThreads: [Int64: String] {
        get { Dictionary(hostThreadList.map { ($0.nativeId, $0.name) }, uniquingKeysWith: { $1 }) }
        set { hostThreadList = newValue.map { HostThread(nativeId: $0.key, name: $0.value) } }
    }
    /// Kept as a list: inserting into an [Int64: String] costs ~0.55 M instructions of conformance scans on first
    /// use, in every run, and only `--gil` reads the dictionary.
    private var hostThreadList: [HostThread] = []
    private struct HostThread: Sendable, Equatable {
        var nativeId: Int64
        var name: String
    }
    /// Threads the target started, as they started (`thread_started`): what is known of them without the end
    /// record.
    public var startedThreads: [ThreadInfo] = []
    /// The timeout watchdog fired (written without the GIL, so it is there even when a C call held it).
    public var timeoutFired = false
    /// `run --allocations`: what the sampler recorded, saved at exit or when the target was stopped.
    public var allocations: AllocationRecord?
    /// Why the allocations could not be saved.
    public var allocationsError: String?
    /// `pyinspect checkpoint` taken while the target ran (services), in order.
    public var checkpoints: [CheckpointSummary] = []
    /// Database statements and connections (queries.py, issue 16).
    public var queries = QueryCapture()
    /// Every line, for capture readers of other features (leaks, gil, hangs). Built when read: converting every
    /// line to [String: JSONValue] as it was read cost ~0.36 M instructions in every run (callgrind).
    public var rawRecords: [[String: JSONValue]] {
        get {
            recordLines.compactMap { line in
                guard case .object(let raw) = line.jsonValue else { return nil }
                return raw
            }
        }
        set { recordLines = newValue.map { CaptureJSON(json: .object($0)) } }
    }
    /// The lines of `rawRecords`, as parsed.
    var recordLines: [CaptureJSON] = []

    public struct EndRecord: Codable, Sendable, Equatable {
        public var reason: String
        public var gc: GCSummary?
        public var threads: [ThreadInfo]
        public var exception: ExceptionInfo?
        public var instruments: InstrumentStates?
        public init(
            reason: String, gc: GCSummary?, threads: [ThreadInfo], exception: ExceptionInfo?,
            instruments: InstrumentStates? = nil
        ) {
            self.reason = reason
            self.gc = gc
            self.threads = threads
            self.exception = exception
            self.instruments = instruments
        }
    }

    public struct OSExitRecord: Codable, Sendable, Equatable {
        public var code: Int32
        public var thread: UInt64?
        public var frames: [StackFrame]
        public init(code: Int32, thread: UInt64?, frames: [StackFrame]) {
            self.code = code
            self.thread = thread
            self.frames = frames
        }
    }

    public struct TargetProblem: Codable, Sendable, Equatable {
        public var problem: String
        public var message: String
    }

    public init() {}

    public static func read(path: String) -> RunCapture {
        var capture = RunCapture()
        guard let data = FileManager.default.contents(atPath: path) else { return capture }
        let bytes = [UInt8](data)
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            capture.absorb(line: line)
        }
        return capture
    }

    /// How pyscripts/pyinspect/allocations.py begins its record (fastjson keeps key order and no spaces).
    private static let allocationsPrefix = Array(#"{"record":"allocations","#.utf8)

    mutating func absorb(line: Data) {
        absorb(line: ArraySlice([UInt8](line)))
    }

    /// Each line is parsed once (CaptureJSON, not JSONDecoder: see there why); typed records decode from that.
    mutating func absorb(line: ArraySlice<UInt8>) {
        guard let parsed = CaptureJSON.parse(line) else {
            unreadableLines += 1
            return
        }
        // Megabytes long in `--alloc-sample 1` runs: decoded once, by its reader, and not kept raw.
        if line.starts(with: Self.allocationsPrefix) {
            allocations = try? CaptureDecoder.decode(AllocationRecord.self, from: parsed)
            if allocations == nil { unreadableLines += 1 }
            return
        }
        guard case .object = parsed, let record = parsed["record"]?.stringValue else {
            unreadableLines += 1
            return
        }
        var writerPid: Int32?
        if let value = parsed["pid"], value != .null {
            guard let number = try? CaptureFields.integer(value, Int32.self, "pid") else {
                unreadableLines += 1
                return
            }
            writerPid = number
        }
        let header = RecordHeader(record: record, pid: writerPid)
        // Records carry the writer's pid; once the target's is known, a forked child's records are set aside.
        if let owner = pid, let writer = header.pid, writer != owner {
            foreignRecords += 1
            return
        }
        recordLines.append(parsed)
        func decoded<T: Decodable>(_ type: T.Type) -> T? { try? CaptureDecoder.decode(type, from: parsed) }
        switch header.record {
        case "query":
            if let record = decoded(QueryRecord.self) { queries.statements.append(record) } else { unreadableLines += 1 }
        case "db_connections":
            if let record = decoded(ConnectionGroupRecord.self) { queries.connections.append(record) } else { unreadableLines += 1 }
        case "db_pool":
            if let record = decoded(PoolRecord.self) { queries.pools.append(record) } else { unreadableLines += 1 }
        case "queries_error":
            queries.error = decoded(AllocationsError.self)?.message
        case "allocations_error":
            allocationsError = decoded(AllocationsError.self)?.message
        case "start":
            started = true
            if let start = try? StartRecord(capture: parsed) {
                python = start.python
                pid = start.pid
                mainThreadIdent = start.mainThreadIdent
            }
        case "os_exit":
            if let record = decoded(OSExitRecord.self) { osExit = record }
        case "target_action":
            if let record = decoded(TargetAction.self), !targetActions.contains(record.action) {
                targetActions.append(record.action)
            }
        case "end":
            if let record = try? EndRecord(capture: parsed) { end = record } else { unreadableLines += 1 }
        case "thread_started":
            if let thread = try? ThreadInfo(capture: CaptureFields(parsed).required("thread")) {
                startedThreads.append(thread)
            }
        case "timeout_fired":
            timeoutFired = true
        case "checkpoint":
            if let record = decoded(CheckpointSummary.self) { checkpoints.append(record) }
        case "host_thread":
            if let fields = try? CaptureFields(parsed), let name = try? fields.string("name"),
                let nativeId = try? fields.integer("native_id", as: Int64.self)
            {
                hostThreadList.removeAll { $0.nativeId == nativeId }
                hostThreadList.append(HostThread(nativeId: nativeId, name: name))
            }
        case "stacks":
            if let record = decoded(StacksRecord.self) { stacks = record.threads }
        case "target_problem":
            targetProblem = decoded(TargetProblem.self)
        default:
            break
        }
    }

    private struct RecordHeader {
        var record: String
        var pid: Int32?
    }
    /// start, end, host_thread and thread_started are read field by field (CaptureFields says why).
    private struct StartRecord {
        var pid: Int32?
        var python: PythonInfo?
        var mainThreadIdent: UInt64?
        init(capture value: CaptureJSON) throws {
            let fields = try CaptureFields(value)
            pid = try fields.integer(ifPresent: "pid", as: Int32.self)
            python = try fields.present("python").map { try PythonInfo(capture: $0) }
            mainThreadIdent = try fields.integer(ifPresent: "main_thread_ident", as: UInt64.self)
        }
    }
    private struct TargetAction: Decodable { var action: String }
    private struct AllocationsError: Decodable { var message: String }
    private struct StacksRecord: Decodable { var threads: [ThreadStack] }
}

/// Any JSON value, for records whose shape belongs to another feature.
public enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// The state of what the target can take away from the instruments, at the start of its main and at its end
/// (host.py `_instrument_state`).
public struct InstrumentState: Codable, Sendable, Equatable {
    public var gcEnabled: Bool?
    public var gcCallback: Bool?
    public var tracemalloc: Bool?
    public var profile: Bool?
    public var trace: Bool?
    public var stdoutReplaced: Bool?
    public var stderrReplaced: Bool?
    public var closedFds: [Int]?
    public var cwd: String?
    public var signalHandlers: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case gcEnabled = "gc_enabled", gcCallback = "gc_callback", tracemalloc, profile, trace
        case stdoutReplaced = "stdout_replaced", stderrReplaced = "stderr_replaced", closedFds = "closed_fds", cwd
        case signalHandlers = "signal_handlers"
    }
}

public struct InstrumentStates: Codable, Sendable, Equatable {
    public var start: InstrumentState?
    public var end: InstrumentState?
    public init(start: InstrumentState?, end: InstrumentState?) {
        self.start = start
        self.end = end
    }
}
