import Foundation

/// A `pyinspect` process a test talks to while it runs: wait for a line it prints, signal it, collect its end.
final class RunningBinary {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private var seen = Data()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: BinaryHarness.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Blocks until stdout has shown `text`; false if the process ended first.
    func waitForOutput(_ text: String) -> Bool {
        let handle = out.fileHandleForReading
        while !String(decoding: seen, as: UTF8.self).contains(text) {
            let chunk = handle.availableData
            if chunk.isEmpty { return false }
            seen.append(chunk)
        }
        return true
    }

    /// Blocks until stdout has shown a whole line containing `text`; returns that line, nil if the process ended.
    func waitForLine(containing text: String) -> String? {
        while true {
            let lines = String(decoding: seen, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if let line = lines.dropLast().first(where: { $0.contains(text) }) { return String(line) }
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            seen.append(chunk)
        }
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the end; returns status, all stdout and all stderr.
    func finish() -> (status: Int32, stdout: String, stderr: String) {
        seen.append(out.fileHandleForReading.readDataToEndOfFile())
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: seen, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}
