import Glibc

/// The client side of the control socket (`pyinspect checkpoint|diff|dump|watch TARGET`): one request, one
/// reply. Failures carry the exit status they end the command with (ExitStatus, README).
public enum ControlClient {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public var status: Int32
    }

    /// Sends `request` to TARGET (a socket path or pyinspect's pid) and returns the reply's body for the
    /// command (the JSON object under the command's key), as text.
    public static func ask(_ target: String, _ request: ControlRequest) throws -> String {
        let path = ControlPaths.socket(forTarget: target)
        let fd: Int32
        do {
            fd = try ControlSocket.connect(to: path)
        } catch let error as ControlSocket.Failure {
            switch error.code {
            case EACCES, EPERM:
                throw Failure(description: "refused: \(error.description)", status: ExitStatus.controlRefused)
            default:
                if ControlPaths.isStale(path), let pid = ControlPaths.pyinspectPid(ofSocket: path) {
                    unlink(path)
                    throw Failure(
                        description: "pyinspect \(pid) is no longer running (killed?): removed its stale control "
                            + "socket \(path)",
                        status: ExitStatus.controlTargetMissing)
                }
                throw Failure(
                    description: "no pyinspect target at \(path) (\(error.description)); start one with "
                        + "`pyinspect run --control PATH ...` or name it by pyinspect's pid",
                    status: ExitStatus.controlTargetMissing)
            }
        }
        defer { close(fd) }
        guard ControlSocket.send(fd, request.line) else {
            throw Failure(description: "the target at \(path) closed the connection", status: ExitStatus.controlTargetMissing)
        }
        let reply = ControlSocket.readAll(fd, limit: ControlSocket.maxReplyBytes)
        guard let parsed = CaptureJSON.parse(reply[...]), case .object(let members) = parsed else {
            throw Failure(description: "the target at \(path) sent no reply", status: ExitStatus.controlTargetMissing)
        }
        if case .bool(true)? = parsed["ok"], let body = members.first(where: { $0.key != "ok" }) {
            return render(body.value)
        }
        let message = parsed["error"]?.stringValue ?? "the target refused the request"
        let status: Int32
        if message.hasPrefix("refused") {
            status = ExitStatus.controlRefused
        } else if parsed["gil_held"] != nil || message.contains("GIL") {
            status = ExitStatus.controlBusy
        } else {
            status = ExitStatus.usage
        }
        throw Failure(description: message, status: status)
    }

    /// CaptureJSON back to compact JSON text (numbers as written).
    static func render(_ value: CaptureJSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let digits): return String(digits)
        case .string(let text): return ControlReplies.quoted(text)
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { ControlReplies.quoted($0.key) + ":" + render($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// Decodes a reply body.
    public static func decode<T: Decodable>(_ type: T.Type, _ body: String) throws -> T {
        guard let parsed = CaptureJSON.parse(ArraySlice(body.utf8)) else {
            throw Failure(description: "the target's reply is not JSON", status: ExitStatus.internalError)
        }
        return try CaptureDecoder.decode(type, from: parsed)
    }
}
