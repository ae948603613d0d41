import FoundationEssentials
import Glibc

/// Records written by pyscripts/pyinspect/hangs.py: events as they happen (`hang`) and the full picture of
/// every loop and thread when the target is stopped (`hang_snapshot`).
public struct HangEventRecord: Codable, Sendable, Equatable {
    public var kind: String
    public var message: String
    public var task: String?
    public var thread: String?
    public var site: SourceSite?
    public var seconds: Double?
    public var stack: [HangFrame]?
    public var created: SourceSite?
    public var exception: ExceptionInfo?
    public var atS: Double?
    /// What to change (loop_called_from_thread: the thread-safe call).
    public var fix: String?

    enum CodingKeys: String, CodingKey {
        case kind, message, task, thread, site, seconds, stack, created, exception, atS = "at_s", fix
    }
}

/// A frame as the hang helpers write it (no source text).
public struct HangFrame: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String
    public init(file: String, line: Int, function: String) {
        self.file = file
        self.line = line
        self.function = function
    }
    var stackFrame: StackFrame { StackFrame(file: file, line: line, function: function) }
}

public struct HangSnapshotRecord: Codable, Sendable, Equatable {
    public struct Owner: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String
        public init(id: Int, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// What a task waits on: kind is lock, semaphore, event, condition, queue_get, queue_put (tracked
    /// primitives), task, gather or future.
    public struct TaskWait: Codable, Sendable, Equatable {
        public var kind: String
        public var object: String
        public var objectId: Int
        public var created: SourceSite?
        public var owners: [Owner]
        public init(kind: String, object: String, objectId: Int, created: SourceSite? = nil, owners: [Owner] = []) {
            self.kind = kind
            self.object = object
            self.objectId = objectId
            self.created = created
            self.owners = owners
        }
        enum CodingKeys: String, CodingKey { case kind, object, objectId = "object_id", created, owners }
    }

    public struct Task: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String
        /// The suspended coroutine chain, innermost (the await it sits on) first.
        public var frames: [HangFrame]
        public var site: SourceSite?
        public var created: SourceSite?
        public var waits: TaskWait?
        /// Its step was executing when the snapshot was taken (it was blocking its loop).
        public var running: Bool?
        public init(id: Int, name: String, frames: [HangFrame], site: SourceSite?, created: SourceSite? = nil,
                    waits: TaskWait? = nil, running: Bool? = nil) {
            self.id = id
            self.name = name
            self.frames = frames
            self.site = site
            self.created = created
            self.waits = waits
            self.running = running
        }
    }

    public struct Loop: Codable, Sendable, Equatable {
        public var key: Int
        public var thread: UInt64?
        public var threadName: String?
        public var tasks: [Task]
        public init(key: Int, thread: UInt64?, threadName: String?, tasks: [Task]) {
            self.key = key
            self.thread = thread
            self.threadName = threadName
            self.tasks = tasks
        }
        enum CodingKeys: String, CodingKey { case key, thread, threadName = "thread_name", tasks }
    }

    public struct ThreadWait: Codable, Sendable, Equatable {
        public var lockId: Int
        public var lock: String
        public var created: SourceSite?
        public var owner: UInt64?
        public var ownerName: String?
        public var seconds: Double
        public init(lockId: Int, lock: String, created: SourceSite?, owner: UInt64?, ownerName: String?,
                    seconds: Double) {
            self.lockId = lockId
            self.lock = lock
            self.created = created
            self.owner = owner
            self.ownerName = ownerName
            self.seconds = seconds
        }
        enum CodingKeys: String, CodingKey {
            case lockId = "lock_id", lock, created, owner, ownerName = "owner_name", seconds
        }
    }

    public struct Thread: Codable, Sendable, Equatable {
        public var ident: UInt64
        public var name: String
        public var frames: [HangFrame]
        public var site: SourceSite?
        public var waits: ThreadWait?
        public init(ident: UInt64, name: String, frames: [HangFrame], site: SourceSite?, waits: ThreadWait? = nil) {
            self.ident = ident
            self.name = name
            self.frames = frames
            self.site = site
            self.waits = waits
        }
    }

    /// "deadlock" or "timeout".
    public var reason: String
    public var decision: HangDecision?
    public var loops: [Loop]
    public var threads: [Thread]
    public init(reason: String, decision: HangDecision?, loops: [Loop], threads: [Thread]) {
        self.reason = reason
        self.decision = decision
        self.loops = loops
        self.threads = threads
    }
}

extension RunCapture {
    /// The `hang` event records, in order.
    public var hangEvents: [HangEventRecord] { decodeRecords("hang") }
    /// The last `hang_snapshot` record, if the target was stopped.
    public var hangSnapshot: HangSnapshotRecord? { decodeRecords("hang_snapshot").last }

    func decodeRecords<Record: Decodable>(_ name: String) -> [Record] {
        // Lines of other kinds are never converted (most runs have no hang record at all).
        let lines = recordLines.filter { $0["record"] == .string(name) }
        guard !lines.isEmpty else { return [] }
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        return lines.compactMap { line in
            guard case .object(let raw) = line.jsonValue, let data = try? encoder.encode(raw) else { return nil }
            return try? decoder.decode(Record.self, from: data)
        }
    }
}
