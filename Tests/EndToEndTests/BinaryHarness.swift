import Foundation

/// Drives the built `pyinspect` binary the way a user does, and reads back what it wrote.
/// End-to-end tests synchronise on the child's exit, never on sleeps.
struct BinaryHarness {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The decoded `--json` report, when one was asked for and written.
        var report: [String: Any]?
    }

    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// The binary under test: `PYINSPECT_BINARY`, else the one beside the test bundle.
    static let binary: String = {
        if let explicit = ProcessInfo.processInfo.environment["PYINSPECT_BINARY"] { return explicit }
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent("pyinspect").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/pyinspect").path
    }()

    static func fixture(_ relative: String) -> String {
        fixtures.appendingPathComponent(relative).path
    }

    /// Runs `pyinspect ARGS`; with `json: true` adds `--json` before the first argument after the subcommand.
    static func run(
        _ arguments: [String], json: Bool = false, stdin: String? = nil, environment: [String: String] = [:],
        directory: String? = nil
    ) throws -> Result {
        var arguments = arguments
        let reportPath = NSTemporaryDirectory() + "pyinspect-test-\(UUID().uuidString).json"
        if json, !arguments.isEmpty {
            arguments.insert(contentsOf: ["--json", reportPath], at: 1)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let done = DispatchSemaphore(value: 0)
        let errReader = Thread {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        var report: [String: Any]?
        if json, let data = FileManager.default.contents(atPath: reportPath) {
            report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            try? FileManager.default.removeItem(atPath: reportPath)
        }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), report: report)
    }
}
