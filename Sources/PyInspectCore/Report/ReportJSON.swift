import FoundationEssentials
import Glibc

/// Writes reports as JSON, keys sorted so that files diff cleanly.
public enum ReportJSON {
    public static func encode(_ report: Report) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(report)
        data.append(0x0A)
        return data
    }

    public static func write(_ report: Report, to path: String) throws {
        let data = try encode(report)
        if path == "-" {
            var bytes = [UInt8](data)
            writeAll(bytes: &bytes, to: STDOUT_FILENO)
            return
        }
        // Write beside, then rename: a reader never sees half a report.
        let temporary = path + ".partial-\(getpid())"
        try data.write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw ReportWriteError(path: path, reason: String(cString: strerror(code)))
        }
    }
}

public struct ReportWriteError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write report to \(path): \(reason)" }
}
