/// The fields of one parsed capture object, read by name with CaptureDecoder's rules: a missing key or `null` is
/// nil for an optional field and an error for a required one; a value of the wrong type is an error; integers must
/// fit their type (3.0 and 1e3 are accepted when whole, as JSONDecoder does).
///
/// Why not Decodable for the records every run writes (start, host_thread, end, thread_started): each synthesized
/// `init(from:)` asks the runtime for `KeyedDecodingContainer<CodingKeys>` by mangled name, which is a scan of
/// every loaded library's protocol conformances (~0.2 M instructions per record type, ~2 M per `run -c pass`).
struct CaptureFields {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let members: [(key: String, value: CaptureJSON)]

    init(_ value: CaptureJSON) throws {
        guard case .object(let members) = value else { throw Failure(description: "expected an object") }
        self.members = members
    }

    /// The value of `key` (the last one, as JSONDecoder takes it); nil when missing or null.
    func present(_ key: String) -> CaptureJSON? {
        guard let value = members.last(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    func required(_ key: String) throws -> CaptureJSON {
        guard let value = present(key) else { throw Failure(description: "missing key \(key)") }
        return value
    }

    func string(_ key: String) throws -> String { try Self.string(required(key), key) }
    func string(ifPresent key: String) throws -> String? { try present(key).map { try Self.string($0, key) } }
    func bool(_ key: String) throws -> Bool { try Self.bool(required(key), key) }
    func bool(ifPresent key: String) throws -> Bool? { try present(key).map { try Self.bool($0, key) } }
    func double(_ key: String) throws -> Double { try Self.double(required(key), key) }
    func double(ifPresent key: String) throws -> Double? { try present(key).map { try Self.double($0, key) } }
    func integer<I: FixedWidthInteger>(_ key: String, as type: I.Type) throws -> I {
        try Self.integer(required(key), type, key)
    }
    func integer<I: FixedWidthInteger>(ifPresent key: String, as type: I.Type) throws -> I? {
        try present(key).map { try Self.integer($0, type, key) }
    }
    func array(_ key: String) throws -> [CaptureJSON] { try Self.array(required(key), key) }
    func array(ifPresent key: String) throws -> [CaptureJSON]? { try present(key).map { try Self.array($0, key) } }

    static func string(_ value: CaptureJSON, _ key: String) throws -> String {
        guard case .string(let text) = value else { throw Failure(description: "expected a string at \(key)") }
        return text
    }

    static func bool(_ value: CaptureJSON, _ key: String) throws -> Bool {
        guard case .bool(let flag) = value else { throw Failure(description: "expected a boolean at \(key)") }
        return flag
    }

    static func double(_ value: CaptureJSON, _ key: String) throws -> Double {
        guard case .number(let text) = value, let number = Double(text) else {
            throw Failure(description: "expected a number at \(key)")
        }
        return number
    }

    static func integer<I: FixedWidthInteger>(_ value: CaptureJSON, _ type: I.Type, _ key: String) throws -> I {
        guard case .number(let text) = value else { throw Failure(description: "expected a number at \(key)") }
        if let exact = I(text) { return exact }
        if let number = Double(text), number.rounded() == number, let exact = I(exactly: number) { return exact }
        throw Failure(description: "number \(text) does not fit at \(key)")
    }

    static func array(_ value: CaptureJSON, _ key: String) throws -> [CaptureJSON] {
        guard case .array(let values) = value else { throw Failure(description: "expected an array at \(key)") }
        return values
    }
}
