import Glibc

// pyinspect links FoundationEssentials, not Foundation (Foundation loads ICU: ~8 M more instructions at every
// start-up, see docs/DEVELOPING.md). FoundationEssentials has no `String(format:)`; this one covers what the
// reports use: printf conversions through vsnprintf, one argument at a time, and `%@` for any value (a String).
// Module-internal, so it never meets Foundation's (a file importing Foundation here would make calls ambiguous).
extension String {
    init(format: String, _ arguments: Any...) {
        self.init(format: format, arguments: arguments)
    }

    init(format: String, arguments: [Any]) {
        var output = ""
        var argumentIndex = 0
        let bytes = Array(format.utf8)
        var index = 0
        var literalStart = 0
        func flushLiteral(upTo end: Int) {
            if end > literalStart { output += String(decoding: bytes[literalStart..<end], as: UTF8.self) }
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "%") else {
                index += 1
                continue
            }
            flushLiteral(upTo: index)
            var end = index + 1
            // flags, width, precision, length modifiers, then the conversion character
            while end < bytes.count, Self.specifierBody.contains(bytes[end]) { end += 1 }
            guard end < bytes.count else {
                literalStart = index
                break
            }
            let conversion = bytes[end]
            let body = bytes[(index + 1)..<end].filter { !Self.lengthModifiers.contains($0) }
            index = end + 1
            literalStart = index
            if conversion == UInt8(ascii: "%") {
                output += "%"
                continue
            }
            let argument: Any? = argumentIndex < arguments.count ? arguments[argumentIndex] : nil
            argumentIndex += 1
            output += Self.formatOne(conversion: conversion, body: body, argument: argument)
        }
        flushLiteral(upTo: bytes.count)
        self = output
    }

    private static let specifierBody = Set("-+ #0123456789.hlqLjzt".utf8)
    private static let lengthModifiers = Set("hlqLjzt".utf8)

    private static func formatOne(conversion: UInt8, body: [UInt8], argument: Any?) -> String {
        let spec = "%" + String(decoding: body, as: UTF8.self)
        switch conversion {
        case UInt8(ascii: "@"), UInt8(ascii: "s"):
            let text = argument.map { String(describing: $0) } ?? ""
            return text.withCString { pointer in printf(spec + "s", pointer) }
        case UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "g"),
            UInt8(ascii: "G"), UInt8(ascii: "a"), UInt8(ascii: "A"):
            return printf(spec + String(UnicodeScalar(conversion)), Self.double(argument))
        case UInt8(ascii: "d"), UInt8(ascii: "i"):
            return printf(spec + "lld", Self.signed(argument))
        case UInt8(ascii: "u"), UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "o"):
            return printf(spec + "ll" + String(UnicodeScalar(conversion)), UInt64(bitPattern: Self.signed(argument)))
        case UInt8(ascii: "c"):
            return printf(spec + "c", Int32(truncatingIfNeeded: Self.signed(argument)))
        default:
            return spec + String(UnicodeScalar(conversion))
        }
    }

    private static func printf(_ spec: String, _ argument: CVarArg) -> String {
        withVaList([argument]) { arguments in
            var buffer = [CChar](repeating: 0, count: 128)
            let needed = Int(vsnprintf(&buffer, buffer.count, spec, arguments))
            if needed < buffer.count { return String(cString: buffer) }
            return withVaList([argument]) { again in
                var large = [CChar](repeating: 0, count: needed + 1)
                _ = vsnprintf(&large, large.count, spec, again)
                return String(cString: large)
            }
        }
    }

    private static func double(_ value: Any?) -> Double {
        switch value {
        case let value as Double: return value
        case let value as Float: return Double(value)
        case let value as Int: return Double(value)
        case let value as Int64: return Double(value)
        case let value as UInt64: return Double(value)
        case let value as Int32: return Double(value)
        default: return 0
        }
    }

    private static func signed(_ value: Any?) -> Int64 {
        switch value {
        case let value as Int: return Int64(value)
        case let value as Int64: return value
        case let value as Int32: return Int64(value)
        case let value as UInt64: return Int64(bitPattern: value)
        case let value as UInt32: return Int64(value)
        case let value as UInt: return Int64(bitPattern: UInt64(value))
        case let value as Double: return Int64(value)
        default: return 0
        }
    }
}
