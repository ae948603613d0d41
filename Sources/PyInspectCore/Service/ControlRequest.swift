/// The control socket's protocol: one JSON object per connection, `{"command": ...}` plus that command's own
/// fields, nothing else. Known commands only; names are plain text, checkpoints are named or numbered. Nothing a
/// client sends is ever evaluated.
public enum ControlRequest: Equatable, Sendable {
    case ping
    case checkpoint(name: String?)
    case diff(from: String?, to: String?)
    case dump
    /// `pyinspect top`: counters only (no census), cheap enough to ask every second.
    case stats

    public static let maxNameLength = 200

    /// The request, or the one-line reason it is refused.
    public static func parse(_ bytes: [UInt8]) -> Result<ControlRequest, ControlRequestError> {
        guard let parsed = CaptureJSON.parse(bytes[...]), case .object(let members) = parsed else {
            return .failure(ControlRequestError("the request is not one JSON object"))
        }
        var fields: [String: CaptureJSON] = [:]
        for (key, value) in members { fields[key] = value }
        guard case .string(let command)? = fields["command"] else {
            return .failure(ControlRequestError("the request has no \"command\" string"))
        }
        let allowed: [String: Set<String>] = [
            "ping": [], "dump": [], "checkpoint": ["name"], "diff": ["from", "to"], "stats": [],
        ]
        guard let known = allowed[command] else {
            return .failure(
                ControlRequestError("unknown command \(printable(command, limit: 40)) (known: checkpoint, diff, dump, ping, stats)"))
        }
        if let extra = fields.keys.filter({ $0 != "command" && !known.contains($0) }).sorted().first {
            return .failure(ControlRequestError("\(command) takes no field \(printable(extra, limit: 40))"))
        }
        do {
            switch command {
            case "ping": return .success(.ping)
            case "dump": return .success(.dump)
            case "stats": return .success(.stats)
            case "checkpoint": return .success(.checkpoint(name: try reference(fields["name"], "name")))
            default: return .success(.diff(from: try reference(fields["from"], "from"), to: try reference(fields["to"], "to")))
            }
        } catch let error as ControlRequestError {
            return .failure(error)
        } catch {
            return .failure(ControlRequestError("\(error)"))
        }
    }

    /// A checkpoint name or number: a string of printable characters, or a non-negative integer.
    static func reference(_ value: CaptureJSON?, _ field: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard !text.isEmpty, text.count <= maxNameLength,
                text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
            else { throw ControlRequestError("\(field) must be 1 to \(maxNameLength) printable characters") }
            return text
        case .number(let digits)?:
            guard let number = Int(digits), number >= 0 else { throw ControlRequestError("\(field) must be a name or a number") }
            return String(number)
        default:
            throw ControlRequestError("\(field) must be a name or a number")
        }
    }

    /// The request line a client sends.
    public var line: String {
        func quoted(_ text: String) -> String { (try? HelperJSONEncoder.encode(text)) ?? "\"\"" }
        switch self {
        case .ping: return "{\"command\":\"ping\"}\n"
        case .dump: return "{\"command\":\"dump\"}\n"
        case .stats: return "{\"command\":\"stats\"}\n"
        case .checkpoint(let name):
            return name.map { "{\"command\":\"checkpoint\",\"name\":\(quoted($0))}\n" } ?? "{\"command\":\"checkpoint\"}\n"
        case .diff(let from, let to):
            var fields = ["\"command\":\"diff\""]
            if let from { fields.append("\"from\":\(quoted(from))") }
            if let to { fields.append("\"to\":\(quoted(to))") }
            return "{" + fields.joined(separator: ",") + "}\n"
        }
    }
}

public struct ControlRequestError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
