/// Decodes `Decodable` records from a parsed capture line (CaptureJSON), with JSONDecoder's default rules:
/// keys as written (the types name theirs in CodingKeys), a missing key or `null` is nil for an optional and an
/// error otherwise, numbers must fit the type exactly.
struct CaptureDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from value: CaptureJSON) throws -> T {
        try T(from: Node(value: value, codingPath: []))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ what: String, _ path: [CodingKey]) {
            description = what + " at " + (path.map(\.stringValue).joined(separator: "."))
        }
    }

    fileprivate struct Node: Decoder, SingleValueDecodingContainer {
        let value: CaptureJSON
        let codingPath: [CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let members) = value else { throw Failure("expected an object", codingPath) }
            return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
        }

        func unkeyedContainer() throws -> UnkeyedDecodingContainer {
            guard case .array(let values) = value else { throw Failure("expected an array", codingPath) }
            return Unkeyed(values: values, codingPath: codingPath)
        }

        func singleValueContainer() throws -> SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { value == .null }

        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let flag) = value else { throw Failure("expected a boolean", codingPath) }
            return flag
        }

        func decode(_ type: String.Type) throws -> String {
            guard case .string(let text) = value else { throw Failure("expected a string", codingPath) }
            return text
        }

        func decode(_ type: Double.Type) throws -> Double {
            guard case .number(let text) = value, let number = Double(text) else {
                throw Failure("expected a number", codingPath)
            }
            return number
        }

        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

        private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
            guard case .number(let text) = value else { throw Failure("expected a number", codingPath) }
            if let exact = I(text) { return exact }
            // 3.0 or 1e3: accepted when the value is a whole number that fits, as JSONDecoder does.
            if let number = Double(text), number.rounded() == number, let exact = I(exactly: number) { return exact }
            throw Failure("number \(text) does not fit \(I.self)", codingPath)
        }

        func decode(_ type: Int.Type) throws -> Int { try integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
    }

    private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(key: String, value: CaptureJSON)]
        let codingPath: [CodingKey]

        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

        private func find(_ key: Key) -> CaptureJSON? {
            members.last { $0.key == key.stringValue }?.value
        }

        private func node(_ key: Key) throws -> Node {
            guard let value = find(key) else { throw Failure("missing key \(key.stringValue)", codingPath) }
            return Node(value: value, codingPath: codingPath + [key])
        }

        func contains(_ key: Key) -> Bool { find(key) != nil }

        func decodeNil(forKey key: Key) throws -> Bool { try node(key).value == .null }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: node(key)) }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = find(key), value != .null else { return nil }
            return try T(from: Node(value: value, codingPath: codingPath + [key]))
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try node(key).decode(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try node(key).decode(type) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try node(key).decode(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try node(key).decode(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try node(key).decode(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try node(key).decode(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try node(key).decode(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try node(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            try node(key).unkeyedContainer()
        }

        func superDecoder() throws -> Decoder { Node(value: .object(members), codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> Decoder { try node(key) }
    }

    private struct Unkeyed: UnkeyedDecodingContainer {
        let values: [CaptureJSON]
        let codingPath: [CodingKey]
        var currentIndex = 0

        init(values: [CaptureJSON], codingPath: [CodingKey]) {
            self.values = values
            self.codingPath = codingPath
        }

        var count: Int? { values.count }
        var isAtEnd: Bool { currentIndex >= values.count }

        private struct Index: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(_ index: Int) {
                stringValue = String(index)
                intValue = index
            }
            init?(stringValue: String) { nil }
            init?(intValue: Int) { self.init(intValue) }
        }

        private mutating func next() throws -> Node {
            guard !isAtEnd else { throw Failure("array ended", codingPath) }
            defer { currentIndex += 1 }
            return Node(value: values[currentIndex], codingPath: codingPath + [Index(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw Failure("array ended", codingPath) }
            if values[currentIndex] == .null {
                currentIndex += 1
                return true
            }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }

        mutating func superDecoder() throws -> Decoder { try next() }
    }
}
