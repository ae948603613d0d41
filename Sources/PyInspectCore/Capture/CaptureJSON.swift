/// A small JSON reader for capture lines, and a `Decoder` over what it read.
///
/// Why not JSONDecoder: reading a `-c pass` run's capture with it cost ~5.9 M instructions (a fifth of the
/// parent's start-up), nearly all of it first-use type lookups by mangled name and protocol conformance scans,
/// paid again in every run. This reads each line once; typed records decode from the parsed tree, and the same
/// tree gives `rawRecords`. Numbers keep their text, so 64-bit integers (thread idents) decode exactly.
enum CaptureJSON: Equatable {
    case null, bool(Bool), number(Substring), string(String), array([CaptureJSON])
    case object([(key: String, value: CaptureJSON)])

    static func == (left: CaptureJSON, right: CaptureJSON) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// nil when the line is not one JSON value.
    static func parse(_ bytes: ArraySlice<UInt8>) -> CaptureJSON? {
        var reader = Reader(bytes: bytes)
        guard let value = reader.value() else { return nil }
        reader.skipSpace()
        return reader.position == bytes.endIndex ? value : nil
    }

    /// The value of `key` in an object (the last one, as JSONDecoder takes it).
    subscript(key: String) -> CaptureJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The inverse of `jsonValue` (numbers as Swift prints them, which reads back the same).
    init(json value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(let number): self = .number(Substring(String(number)))
        case .string(let text): self = .string(text)
        case .array(let values): self = .array(values.map { CaptureJSON(json: $0) })
        case .object(let members): self = .object(members.map { (key: $0.key, value: CaptureJSON(json: $0.value)) })
        }
    }

    var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let text): return .number(Double(text) ?? 0)
        case .string(let value): return .string(value)
        case .array(let values): return .array(values.map(\.jsonValue))
        case .object(let members):
            var object: [String: JSONValue] = [:]
            object.reserveCapacity(members.count)
            for member in members { object[member.key] = member.value.jsonValue }
            return .object(object)
        }
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int
        var depth = 0

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.position = bytes.startIndex
        }

        mutating func skipSpace() {
            while position < bytes.endIndex {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value() -> CaptureJSON? {
            skipSpace()
            guard position < bytes.endIndex, depth < 512 else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string().map(CaptureJSON.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        private mutating func literal(_ word: StaticString, _ result: CaptureJSON) -> CaptureJSON? {
            let count = word.utf8CodeUnitCount
            guard bytes.endIndex - position >= count else { return nil }
            let matches = word.withUTF8Buffer { expected in
                expected.indices.allSatisfy { bytes[position + $0] == expected[$0] }
            }
            guard matches else { return nil }
            position += count
            return result
        }

        private mutating func number() -> CaptureJSON? {
            let start = position
            while position < bytes.endIndex, Self.isNumberByte(bytes[position]) { position += 1 }
            guard position > start else { return nil }
            let text = Substring(decoding: bytes[start..<position], as: UTF8.self)
            // NaN and Infinity are not JSON (fastjson writes neither); anything Double cannot read is an error.
            guard Double(text) != nil else { return nil }
            return .number(text)
        }

        private static func isNumberByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                return true
            default:
                return false
            }
        }

        private mutating func array() -> CaptureJSON? {
            position += 1
            depth += 1
            defer { depth -= 1 }
            var values: [CaptureJSON] = []
            skipSpace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(values)
            }
            while true {
                guard let element = value() else { return nil }
                values.append(element)
                skipSpace()
                guard position < bytes.endIndex else { return nil }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(values)
                } else {
                    return nil
                }
            }
        }

        private mutating func object() -> CaptureJSON? {
            position += 1
            depth += 1
            defer { depth -= 1 }
            var members: [(key: String, value: CaptureJSON)] = []
            skipSpace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\""), let key = string() else {
                    return nil
                }
                skipSpace()
                guard position < bytes.endIndex, bytes[position] == UInt8(ascii: ":") else { return nil }
                position += 1
                guard let member = value() else { return nil }
                members.append((key, member))
                skipSpace()
                guard position < bytes.endIndex else { return nil }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                } else {
                    return nil
                }
            }
        }

        /// At the opening quote; returns the unescaped text and moves past the closing quote.
        private mutating func string() -> String? {
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.endIndex {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: bytes[start..<position], as: UTF8.self)
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                position += 1
            }
            var scalars = String.UnicodeScalarView()
            var utf8: [UInt8] = Array(bytes[start..<position])
            func flush() {
                if !utf8.isEmpty {
                    scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                    utf8.removeAll(keepingCapacity: true)
                }
            }
            while position < bytes.endIndex {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") {
                    flush()
                    return String(scalars)
                }
                if byte < 0x20 { return nil }
                guard byte == UInt8(ascii: "\\") else {
                    utf8.append(byte)
                    continue
                }
                guard position < bytes.endIndex else { return nil }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        // A surrogate pair; a lone half becomes U+FFFD, as Python's json would not write one.
                        if bytes.endIndex - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        {
                            let saved = position
                            position += 2
                            if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                position = saved
                                code = 0xFFFD
                            }
                        } else {
                            code = 0xFFFD
                        }
                    } else if (0xDC00..<0xE000).contains(code) {
                        code = 0xFFFD
                    }
                    flush()
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default:
                    return nil
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard bytes.endIndex - position >= 4 else { return nil }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                code = code << 4 | digit
                position += 1
            }
            return code
        }
    }
}
