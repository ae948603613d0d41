import Foundation
import Testing

/// `pyinspect top` (docs/services.md): on a pseudo-terminal it quits on `q` and Ctrl-C with the terminal's mode
/// put back and the target still running, and says so when the target ends under it; piped, it prints plain
/// frames. Every step waits for an event (a frame drawn, a process's end), never for time to pass.
@Suite struct TopCommandTests {
    func fixture(_ name: String) -> String { BinaryHarness.fixture("services/\(name)") }

    func privateDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pyinspect-top-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }

    /// An asyncio service (one task pending) under `run --control`.
    func service() throws -> (RunningBinary, String) {
        let socket = try privateDirectory() + "/control.sock"
        let running = try RunningBinary(["run", "--control", socket, fixture("task_leak.py")])
        #expect(running.waitForLine(containing: "listening on") != nil)
        return (running, socket)
    }

    func onTerminal(_ action: String, _ socket: String, targetPid: Int32? = nil) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [fixture("top_driver.py"), action, BinaryHarness.binary, socket] + (targetPid.map { ["\($0)"] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: ["q", "ctrl-c"]) func aKeyQuitsRestoresTheTerminalAndLeavesTheTargetRunning(action: String) throws {
        let (running, socket) = try service()
        let top = try onTerminal(action, socket)
        let output = top["output"] as? String ?? ""
        #expect(top["framed"] as? Bool == true, "\(output)")
        #expect(top["raw_while_drawing"] as? Bool == true)
        #expect(top["status"] as? Int == 0, "\(output)")
        #expect(top["restored"] as? Bool == true)
        #expect(output.contains("asyncio tasks 1"), "\(output)")
        #expect(output.contains("\u{1b}[?1049l"))  // left the alternate screen
        let dump = try BinaryHarness.run(["dump", socket])
        #expect(dump.status == 0, "the target did not keep running: \(dump.stderr)")
        running.signal(SIGTERM)
        _ = running.finish()
    }

    @Test func aTargetThatEndsWhileWatchedEndsTopWithItsOwnStatus() throws {
        let (running, socket) = try service()
        let top = try onTerminal("target-ends", socket, targetPid: running.pid)
        let output = top["output"] as? String ?? ""
        #expect(top["status"] as? Int == 68, "\(output)")
        #expect(top["restored"] as? Bool == true)
        #expect(output.contains("the target ended"), "\(output)")
        _ = running.finish()
    }

    @Test func pipedItPrintsPlainFramesAndWritesTheLastAsJSON() throws {
        let (running, socket) = try service()
        let json = try privateDirectory() + "/top.json"
        let piped = try BinaryHarness.run(["top", socket, "--count", "2", "--interval", "0.2", "--json", json])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stdout.contains("\u{1b}"))
        #expect(piped.stdout.components(separatedBy: "pyinspect top: pid").count - 1 == 2, "\(piped.stdout)")
        #expect(piped.stdout.contains("MainThread"))
        let data = try #require(FileManager.default.contents(atPath: json))
        let frame = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["top"] as? [String: Any])
        #expect(frame["tasks"] as? Int == 1)
        #expect((frame["interval_s"] as? Double ?? 0) > 0)
        #expect(((frame["memory"] as? [String: Any])?["rss_bytes"] as? Int ?? 0) > 0)
        let once = try BinaryHarness.run(["top", socket, "--once"])
        #expect(once.status == 0 && once.stdout.contains("fds "), "\(once.stderr)")
        running.signal(SIGTERM)
        _ = running.finish()
        let gone = try BinaryHarness.run(["top", socket, "--once"])
        #expect(gone.status == 68, "\(gone.stderr)")
    }

    @Test func withRunProfileTopNamesTheBusiestFunctions() throws {
        let socket = try privateDirectory() + "/control.sock"
        let running = try RunningBinary(["run", "--profile", "--control", socket, fixture("busy_service.py")])
        #expect(running.waitForLine(containing: "serving") != nil)
        let json = try privateDirectory() + "/top.json"
        let piped = try BinaryHarness.run(["top", socket, "--count", "2", "--interval", "0.5", "--json", json])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("BUSIEST  on CPU over the interval"), "\(piped.stdout)")
        let data = try #require(FileManager.default.contents(atPath: json))
        let frame = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["top"] as? [String: Any])
        let busiest = try #require(frame["busiest"] as? [[String: Any]], "\(frame)")
        #expect(busiest.first?["function"] as? String == "crunch", "\(busiest)")
        #expect((busiest.first?["self_share"] as? Double ?? 0) >= 0.5, "\(busiest)")
        // A single-threaded program that never imported threading still has its main thread listed.
        #expect(piped.stdout.contains("MainThread"), "\(piped.stdout)")
        running.signal(SIGTERM)
        _ = running.finish()
    }
}
