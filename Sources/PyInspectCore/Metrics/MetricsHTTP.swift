/// The HTTP/1.1 side of `run --metrics`: strict and small. One request per connection (`Connection: close`),
/// `GET` or `HEAD` of `/metrics` (a query string is ignored), a request head of at most `maxRequestBytes`.
/// Pure: what to answer for the bytes read; MetricsServer does the reading and writing.
public enum MetricsHTTP {
    public static let maxRequestBytes = 8192
    /// Seconds a client may take to send its request (and to take the reply).
    static let timeoutSeconds = 5

    public enum Route: Equatable {
        case metrics(head: Bool)
        case notFound
        case methodNotAllowed
        case badRequest
        case tooLarge
    }

    /// The index just past the head's blank line, nil while the head is incomplete.
    public static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index] == 0x0A {
            if bytes[index - 1] == 0x0D && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D { return index + 1 }
        }
        return nil
    }

    /// Routes a complete request head (the request line decides; header fields are not needed).
    public static func route(_ head: [UInt8]) -> Route {
        guard head.count <= maxRequestBytes else { return .tooLarge }
        guard let lineEnd = head.firstIndex(of: 0x0D), lineEnd + 1 < head.count, head[lineEnd + 1] == 0x0A else {
            return .badRequest
        }
        let parts = head[..<lineEnd].split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, let method = ascii(parts[0]), let target = ascii(parts[1]), let version = ascii(parts[2]),
            version == "HTTP/1.1" || version == "HTTP/1.0", !method.isEmpty, target.hasPrefix("/")
        else { return .badRequest }
        guard method.allSatisfy({ $0.isUppercase }) else { return .badRequest }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        guard path == "/metrics" else { return .notFound }
        switch method {
        case "GET": return .metrics(head: false)
        case "HEAD": return .metrics(head: true)
        default: return .methodNotAllowed
        }
    }

    private static func ascii(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The whole response (head and, unless `omitBody`, body).
    public static func response(status: Int, reason: String, contentType: String, body: String, omitBody: Bool = false,
                                extraHeaders: [String] = []) -> String {
        var text = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
        for header in extraHeaders { text += header + "\r\n" }
        text += "Connection: close\r\n\r\n"
        if !omitBody { text += body }
        return text
    }

    /// The answer to anything but a metrics request.
    public static func errorResponse(_ route: Route) -> String {
        let plain = "text/plain; charset=utf-8"
        switch route {
        case .metrics: return response(status: 500, reason: "Internal Server Error", contentType: plain, body: "internal error\n")
        case .notFound:
            return response(status: 404, reason: "Not Found", contentType: plain, body: "not found: pyinspect serves /metrics only\n")
        case .methodNotAllowed:
            return response(status: 405, reason: "Method Not Allowed", contentType: plain, body: "GET or HEAD only\n",
                            extraHeaders: ["Allow: GET, HEAD"])
        case .badRequest: return response(status: 400, reason: "Bad Request", contentType: plain, body: "bad request\n")
        case .tooLarge:
            return response(status: 431, reason: "Request Header Fields Too Large", contentType: plain,
                            body: "request head longer than \(maxRequestBytes) bytes\n")
        }
    }
}
