/// Encodes the arguments of Python helper calls as compact JSON text.
///
/// Why not JSONEncoder: its first use in a process cost ~1 M instructions of type lookups, paid by every
/// `pyinspect run` for one small argument (`host.prepare`'s). Same output as JSONEncoder's defaults, but for key
/// order (as encoded) and `/` (not escaped): the helpers parse it with Python's json.
enum HelperJSONEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let root = Slot()
        try value.encode(to: Node(slot: root, codingPath: []))
        var text = ""
        write(root.value ?? .null, to: &text)
        return text
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What an encoded value becomes; arrays and objects fill in as their containers are used.
    fileprivate indirect enum Value {
        case null, bool(Bool), number(String), string(String)
        case array(Slots), object(Members)
    }

    fileprivate final class Slot { var value: Value? }
    fileprivate final class Slots { var items: [Slot] = [] }
    fileprivate final class Members { var items: [(key: String, slot: Slot)] = [] }

    private static func write(_ value: Value, to text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .number(let number): text += number
        case .string(let string): writeString(string, to: &text)
        case .array(let slots):
            text += "["
            for (index, slot) in slots.items.enumerated() {
                if index > 0 { text += "," }
                write(slot.value ?? .null, to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, member) in members.items.enumerated() {
                if index > 0 { text += "," }
                writeString(member.key, to: &text)
                text += ":"
                write(member.slot.value ?? .null, to: &text)
            }
            text += "}"
        }
    }

    /// A JSON string literal (quotes and escapes), appended.
    static func writeString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }

    fileprivate struct Node: Encoder, SingleValueEncodingContainer {
        let slot: Slot
        let codingPath: [CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            let members: Members
            if case .object(let existing) = slot.value {
                members = existing
            } else {
                members = Members()
                slot.value = .object(members)
            }
            return KeyedEncodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
        }

        func unkeyedContainer() -> UnkeyedEncodingContainer {
            let slots: Slots
            if case .array(let existing) = slot.value {
                slots = existing
            } else {
                slots = Slots()
                slot.value = .array(slots)
            }
            return Unkeyed(slots: slots, codingPath: codingPath)
        }

        func singleValueContainer() -> SingleValueEncodingContainer { self }

        func encodeNil() throws { slot.value = .null }
        func encode(_ value: Bool) throws { slot.value = .bool(value) }
        func encode(_ value: String) throws { slot.value = .string(value) }
        func encode(_ value: Double) throws {
            guard value.isFinite else { throw Failure(description: "\(value) has no JSON form") }
            slot.value = .number(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
        }
        func encode(_ value: Float) throws { try encode(Double(value)) }
        func encode(_ value: Int) throws { slot.value = .number(String(value)) }
        func encode(_ value: Int8) throws { slot.value = .number(String(value)) }
        func encode(_ value: Int16) throws { slot.value = .number(String(value)) }
        func encode(_ value: Int32) throws { slot.value = .number(String(value)) }
        func encode(_ value: Int64) throws { slot.value = .number(String(value)) }
        func encode(_ value: UInt) throws { slot.value = .number(String(value)) }
        func encode(_ value: UInt8) throws { slot.value = .number(String(value)) }
        func encode(_ value: UInt16) throws { slot.value = .number(String(value)) }
        func encode(_ value: UInt32) throws { slot.value = .number(String(value)) }
        func encode(_ value: UInt64) throws { slot.value = .number(String(value)) }
        func encode<T: Encodable>(_ value: T) throws { try value.encode(to: self) }
    }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let members: Members
        let codingPath: [CodingKey]

        private func node(_ key: Key) -> Node {
            let slot = Slot()
            members.items.removeAll { $0.key == key.stringValue }
            members.items.append((key.stringValue, slot))
            return Node(slot: slot, codingPath: codingPath + [key])
        }

        mutating func encodeNil(forKey key: Key) throws { try node(key).encodeNil() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try value.encode(to: node(key)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            node(key).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            node(key).unkeyedContainer()
        }
        mutating func superEncoder() -> Encoder { Node(slot: superSlot("super"), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> Encoder { node(key) }

        private func superSlot(_ name: String) -> Slot {
            let slot = Slot()
            members.items.append((name, slot))
            return slot
        }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let slots: Slots
        let codingPath: [CodingKey]
        var count: Int { slots.items.count }

        private func next() -> Node {
            let slot = Slot()
            slots.items.append(slot)
            return Node(slot: slot, codingPath: codingPath)
        }

        mutating func encodeNil() throws { try next().encodeNil() }
        mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: next()) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            next().container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { next().unkeyedContainer() }
        mutating func superEncoder() -> Encoder { next() }
    }
}
