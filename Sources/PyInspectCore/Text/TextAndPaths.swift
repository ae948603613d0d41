import Glibc

// Stand-ins for the few Foundation (NSString, FileHandle, CharacterSet) calls pyinspect made, now that it links
// only FoundationEssentials (start-up cost: docs/DEVELOPING.md). Same results as the calls they replace.

/// Writes every byte to a file descriptor, unbuffered, as `FileHandle.standardError.write` did.
func writeAll(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    writeAll(bytes: &bytes, to: fd)
}

func writeAll(bytes: inout [UInt8], to fd: Int32) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}

/// Text on stderr (the terminal summaries).
func writeStandardError(_ text: String) {
    writeAll(text, to: STDERR_FILENO)
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (`trimmingCharacters(in: .whitespaces)`).
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || ($0.isWhitespace && !$0.isNewline) }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// Cut or padded with spaces to exactly `length` characters (`padding(toLength:withPad:" ",startingAt:0)`).
    func padded(toLength length: Int) -> String {
        count >= length ? String(prefix(length)) : String(self) + String(repeating: " ", count: length - count)
    }
}

/// Path text the way NSString handled it, without touching the file system.
enum PathText {
    /// "/a/b" → "/a", "/a" → "/", "a" → "".
    static func deletingLastComponent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var parent = trimmed[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return String(parent)
    }

    /// "/a/b.py" → "b.py".
    static func lastComponent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/"), trimmed != "/" else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// "." and empty components dropped, ".." taking off the one before it (lexically: symlinks are not
    /// resolved, the user's spelling is kept); no trailing slash.
    static func standardizing(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        // Byte comparisons: Substring == "." goes through Unicode equivalence (a quarter million instructions).
        func isDot(_ part: Substring) -> Bool { part.utf8.count == 1 && part.utf8.first == UInt8(ascii: ".") }
        func isDotDot(_ part: Substring) -> Bool { part.utf8.elementsEqual("..".utf8) }
        // Split and joined by bytes: the Character-wise split and the generic joined(separator:) cost ~0.25 M
        // instructions at every start (callgrind); "/" is one byte in UTF-8 and never part of another character's.
        for bytes in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let part = Substring(bytes)
            if isDot(part) { continue }
            if isDotDot(part), let last = parts.last, !isDotDot(last) {
                parts.removeLast()
                continue
            }
            if isDotDot(part), absolute { continue }
            parts.append(part)
        }
        var joined = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { joined.append("/") }
            joined.append(contentsOf: part)
        }
        if absolute { return "/" + joined }
        return joined.isEmpty ? (path.isEmpty ? "" : ".") : joined
    }

    /// `cwd` + "/" + `path`, standardized.
    static func appending(_ path: String, to directory: String) -> String {
        standardizing(directory + "/" + path)
    }
}

/// `NSTemporaryDirectory()`: `$TMPDIR` (with a trailing slash), else "/tmp/".
func temporaryDirectory() -> String {
    guard let value = getenv("TMPDIR").map({ String(cString: $0) }), !value.isEmpty else { return "/tmp/" }
    return value.hasSuffix("/") ? value : value + "/"
}

/// One environment variable. `ProcessInfo.processInfo.environment` builds a dictionary of all of them first
/// (~1 M instructions at start-up).
func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
