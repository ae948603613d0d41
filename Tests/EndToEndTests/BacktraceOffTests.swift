import Foundation
import Testing

/// Start-up (issue 14): Swift's crash backtracer is off in pyinspect (Sources/BacktraceOff) unless SWIFT_BACKTRACE
/// asks for it, and the target's environment is still the one it was given.
@Suite struct BacktraceOffTests {
    /// The signals pyinspect's own process catches (SigCgt in /proc/PID/status), while it supervises a target.
    func caughtSignals(environment: [String: String]) throws -> UInt64 {
        let running = try RunningBinary(["run", BinaryHarness.fixture("services/idle_default_socket.py")],
                                        environment: environment)
        #expect(running.waitForLine(containing: "ready") != nil)
        let status = try String(contentsOfFile: "/proc/\(running.pid)/status", encoding: .utf8)
        running.signal(SIGINT)
        _ = running.finish()
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") })
        return try #require(UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16))
    }

    @Test func swiftsCrashHandlerIsOffUnlessTheUserAsksForIt() throws {
        let segv: UInt64 = 1 << (UInt64(SIGSEGV) - 1)
        #expect(try caughtSignals(environment: [:]) & segv == 0)
        #expect(try caughtSignals(environment: ["SWIFT_BACKTRACE": "enable=yes"]) & segv != 0)
    }

    @Test func theTargetsEnvironmentIsTheOneItWasGiven() throws {
        let code = "import os; print('\\n'.join(f'{k}={v}' for k, v in os.environ.items()))"
        let plain = try BinaryHarness.run(["run", "--quiet", "-c", code])
        #expect(plain.status == 0, "\(plain.stderr)")
        let seen = Set(plain.stdout.split(separator: "\n").map(String.init))
        #expect(!seen.contains { $0.hasPrefix("SWIFT_BACKTRACE=") }, "\(seen)")
        // Every variable pyinspect was given reaches the target unchanged (pyinspect adds its own PYINSPECT_ ones).
        for (key, value) in ProcessInfo.processInfo.environment where !key.hasPrefix("PYINSPECT_") && !value.contains("\n") {
            #expect(seen.contains("\(key)=\(value)"), "\(key) missing or changed")
        }
        let asked = try BinaryHarness.run(["run", "--quiet", "-c", code], environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(asked.stdout.contains("SWIFT_BACKTRACE=enable=no\n"), "\(asked.stdout)")
    }
}
