import FoundationEssentials
import Glibc

/// `--memory-limit` values: `512M`, `2G`, `1.5G`, `800k`, `1048576` (bytes). Units are powers of 1024;
/// a trailing `B`/`iB` is accepted (`512MiB`, `512MB`).
public enum MemorySize {
    /// Below this, Python itself cannot start: a limit that small is a mistake, not a test.
    public static let minimumBytes: UInt64 = 16 * 1024 * 1024

    public static func parse(_ text: String) throws -> UInt64 {
        try parse(text, option: "--memory-limit", minimum: minimumBytes, minimumText: "16M (Python needs that much to start)")
    }

    /// A size for `option`, at least `minimum` bytes (`minimumText` says it in the error).
    public static func parse(_ text: String, option: String, minimum: UInt64, minimumText: String) throws -> UInt64 {
        let trimmed = text.trimmingSpaces()
        var body = Substring(trimmed.uppercased())
        for suffix in ["IB", "B"] where body.hasSuffix(suffix) && body.count > suffix.count {
            body = body.dropLast(suffix.count)
            break
        }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var multiplier: Double = 1
        if let last = body.last, let unit = units[last] {
            multiplier = unit
            body = body.dropLast()
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            body.filter({ $0 == "." }).count <= 1, let number = Double(body), number.isFinite
        else {
            throw UsageError("\(option): '\(printable(text))' is not a size (examples: 512M, 2G, 1048576)")
        }
        let bytes = number * multiplier
        guard bytes < Double(UInt64.max / 2) else {
            throw UsageError("\(option): '\(printable(text))' is too large")
        }
        let value = UInt64(bytes.rounded(.down))
        guard value >= minimum else {
            throw UsageError("\(option) must be at least \(minimumText)")
        }
        return value
    }
}

/// `text` as one printable line for an error message: control characters escaped, long values cut.
public func printable(_ text: String, limit: Int = 80) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
            out += scalar.value < 0x100 ? "\\x" + String(scalar.value, radix: 16).leftPadded(2) : "\\u{" + String(scalar.value, radix: 16) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
        if out.count >= limit { return out + "…" }
    }
    return out
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
