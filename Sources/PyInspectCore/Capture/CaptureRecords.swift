import Foundation

/// What the target's interpreter wrote to the capture file (pyscripts/pyinspect/capture.py), read back after
/// the target process has ended. Unknown records are skipped, so older readers survive newer writers.
public struct RunCapture: Sendable, Equatable {
    public var python: PythonInfo?
    public var pid: Int32?
    public var started = false
    public var end: EndRecord?
    public var stacks: [ThreadStack]?
    public var targetProblem: TargetProblem?
    public var unreadableLines = 0
    /// Every line, for capture readers of other features (leaks, gil, hangs).
    public var rawRecords: [[String: JSONValue]] = []

    public struct EndRecord: Codable, Sendable, Equatable {
        public var reason: String
        public var gc: GCSummary?
        public var threads: [ThreadInfo]
        public var exception: ExceptionInfo?
        public init(reason: String, gc: GCSummary?, threads: [ThreadInfo], exception: ExceptionInfo?) {
            self.reason = reason
            self.gc = gc
            self.threads = threads
            self.exception = exception
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
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            capture.absorb(line: Data(line))
        }
        return capture
    }

    mutating func absorb(line: Data) {
        let decoder = JSONDecoder()
        guard let header = try? decoder.decode(RecordHeader.self, from: line) else {
            unreadableLines += 1
            return
        }
        if let raw = try? decoder.decode([String: JSONValue].self, from: line) { rawRecords.append(raw) }
        switch header.record {
        case "start":
            started = true
            if let start = try? decoder.decode(StartRecord.self, from: line) {
                python = start.python
                pid = start.pid
            }
        case "end":
            if let record = try? decoder.decode(EndRecord.self, from: line) { end = record } else { unreadableLines += 1 }
        case "stacks":
            if let record = try? decoder.decode(StacksRecord.self, from: line) { stacks = record.threads }
        case "target_problem":
            targetProblem = try? decoder.decode(TargetProblem.self, from: line)
        default:
            break
        }
    }

    private struct RecordHeader: Decodable { var record: String }
    private struct StartRecord: Decodable {
        var pid: Int32?
        var python: PythonInfo?
    }
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
