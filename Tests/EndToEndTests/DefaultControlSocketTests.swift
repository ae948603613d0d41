import Foundation
import Testing

/// The default control socket (docs/services.md): made by every `run` in the user's runtime directory and named by
/// pyinspect's pid, it costs no thread until a client connects; a socket left by a run killed with SIGKILL is
/// reported as a dead target and swept by the next run. Each test has its own runtime directory.
@Suite struct DefaultControlSocketTests {
    func runtimeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pyinspect-runtime-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func theServerStartsAtTheFirstClientAndNotBefore() throws {
        let runtime = try runtimeDirectory()
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        let environment = ["XDG_RUNTIME_DIR": runtime]
        // GIVEN a target sleeping in one blocking call under `run` without --control
        let running = try RunningBinary(["run", BinaryHarness.fixture("services/idle_default_socket.py")],
                                        environment: environment)
        let threads = try #require(running.waitForLine(containing: "threads "))
        #expect(running.waitForLine(containing: "ready") != nil)
        let socket = runtime + "/pyinspect-\(running.pid).sock"
        // THEN the socket is there and the target has no thread but its own
        #expect(exists(socket))
        #expect(threads == "threads 1", "\(threads)")
        // WHEN clients name it by pyinspect's pid, THEN the first one is answered, and the next one too
        let checkpoint = try BinaryHarness.run(["checkpoint", String(running.pid)], environment: environment)
        #expect(checkpoint.status == 0, "\(checkpoint.stdout) \(checkpoint.stderr)")
        let dump = try BinaryHarness.run(["dump", String(running.pid)], environment: environment)
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout.contains("idle_default_socket.py"), "\(dump.stdout)")
        running.signal(SIGINT)
        let end = running.finish()
        #expect(end.status == 130, "\(end.stderr)")
        #expect(!exists(socket))
    }

    /// A run killed with SIGKILL leaves its socket (nothing ran to remove it) and its target dies with it.
    func killedRun(_ environment: [String: String]) throws -> Int32 {
        let running = try RunningBinary(["run", BinaryHarness.fixture("services/idle_default_socket.py")],
                                        environment: environment)
        #expect(running.waitForLine(containing: "ready") != nil)
        kill(running.pid, SIGKILL)
        // Its output ends when the target, which holds it too, has died (PR_SET_PDEATHSIG); finish() also reaps it.
        _ = running.finish()
        return running.pid
    }

    @Test func aSocketLeftByAKilledRunIsADeadTargetAndTheNextRunSweepsIt() throws {
        let runtime = try runtimeDirectory()
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        let environment = ["XDG_RUNTIME_DIR": runtime]
        // GIVEN a run killed with SIGKILL, its socket left behind
        let first = try killedRun(environment)
        let firstSocket = runtime + "/pyinspect-\(first).sock"
        #expect(exists(firstSocket))
        // WHEN a client names it by its pid, THEN one line says it is dead, with the missing-target status
        let asked = try BinaryHarness.run(["checkpoint", String(first)], environment: environment)
        #expect(asked.status == 68, "\(asked.stderr)")
        #expect(asked.stderr.split(separator: "\n").count == 1, "\(asked.stderr)")
        #expect(asked.stderr.contains("pyinspect \(first) is no longer running"), "\(asked.stderr)")
        #expect(!exists(firstSocket))
        // GIVEN another killed run, WHEN the next run starts, THEN that socket is gone, and the new run's own too
        let second = try killedRun(environment)
        let secondSocket = runtime + "/pyinspect-\(second).sock"
        #expect(exists(secondSocket))
        let next = try BinaryHarness.run(["run", "--quiet", "-c", "pass"], environment: environment)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(!exists(secondSocket))
        let left = try FileManager.default.contentsOfDirectory(atPath: runtime)
        #expect(left.isEmpty, "\(left)")
    }
}
