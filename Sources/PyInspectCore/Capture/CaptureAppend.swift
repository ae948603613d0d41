import FoundationEssentials
import Glibc

/// Appends one line to a capture file by path from Swift (the Python side has capture.write): opened and closed
/// each time, so a target that closes or reuses descriptors cannot break it.
enum CaptureAppend {
    static func line(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let line = text.hasSuffix("\n") ? text : text + "\n"
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}
