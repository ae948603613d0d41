/// `run --metrics HOST:PORT`: where the Prometheus endpoint listens. Numeric addresses and `localhost` only (no
/// name lookups), loopback unless the user says otherwise (`--metrics-any-host`): the figures tell about the
/// process and need no one else to see them.
public struct MetricsAddress: Sendable, Equatable {
    /// Numeric: dotted IPv4, or IPv6 without brackets.
    public var host: String
    public var ipv6: Bool
    /// 0: any free port (the report records the one bound).
    public var port: Int

    public init(host: String, ipv6: Bool, port: Int) {
        self.host = host
        self.ipv6 = ipv6
        self.port = port
    }

    /// As typed back: `127.0.0.1:9464`, `[::1]:9464`.
    public var text: String { ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var isLoopback: Bool { ipv6 ? host == "::1" : host.hasPrefix("127.") }

    public static func parse(_ text: String, allowAnyHost: Bool = false) -> Result<MetricsAddress, UsageError> {
        func bad(_ why: String) -> Result<MetricsAddress, UsageError> {
            .failure(UsageError("--metrics \(quotedForError(text)): \(why)"))
        }
        guard let colon = text.lastIndex(of: ":") else { return bad("expected HOST:PORT, e.g. 127.0.0.1:9464") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), port <= 65535
        else { return bad("the port must be a number from 0 to 65535") }
        var ipv6 = false
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2 {
            host = String(host.dropFirst().dropLast())
            guard isIPv6(host) else { return bad("\(host) is not an IPv6 address") }
            ipv6 = true
        } else if host == "localhost" {
            host = "127.0.0.1"
        } else if !isIPv4(host) {
            return bad("the host must be a numeric address or localhost (IPv6 in brackets: [::1]:9464)")
        }
        let address = MetricsAddress(host: host, ipv6: ipv6, port: port)
        if !address.isLoopback && !allowAnyHost {
            return bad("\(host) is not a loopback address; add --metrics-any-host to serve other hosts")
        }
        return .success(address)
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && (Int(part) ?? 256) <= 255
        }
    }

    /// A light check (hex digits and colons, at most one `::`); inet_pton has the last word when binding.
    static func isIPv6(_ text: String) -> Bool {
        guard text.count <= 39, text.contains(":") else { return false }
        guard text.allSatisfy({ $0 == ":" || $0.isHexDigit }) else { return false }
        var doubleColons = 0
        var rest = text[...]
        while let found = rest.firstRange(of: "::") {
            doubleColons += 1
            rest = rest[found.upperBound...]
        }
        return doubleColons <= 1
    }

    private static func quotedForError(_ text: String) -> String {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "'" + shown.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "?" }.joined() + "'"
    }
}
