import Foundation
import Testing

/// Signals sent to pyinspect reach the target; virtualenvs are honoured.
@Suite struct RunSignalsAndEnvironmentTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("run").path

    /// A virtualenv of /usr/bin/python3 with a module only it has, `only_in_venv` (MARK = 'from-venv').
    func makeVirtualenvWithMarker() throws -> String {
        let venv = NSTemporaryDirectory() + "pyinspect-venv-\(UUID().uuidString)"
        let create = Process()
        create.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        create.arguments = ["-m", "venv", "--without-pip", venv]
        try create.run()
        create.waitUntilExit()
        #expect(create.terminationStatus == 0)
        try "MARK = 'from-venv'\n".write(
            toFile: "\(venv)/lib/python3.11/site-packages/only_in_venv.py", atomically: true, encoding: .utf8)
        return venv
    }

    @Test func sigintSentToPyinspectRaisesKeyboardInterruptInTarget() throws {
        let running = try RunningBinary(["run", "\(fixtures)/wait_for_signal.py"])
        #expect(running.waitForOutput("ready"))
        running.signal(SIGINT)
        let end = running.finish()
        #expect(end.status == 130)
        #expect(end.stdout.contains("KeyboardInterrupt in target"), "stderr: \(end.stderr)")
        #expect(end.stderr.contains("pyinspect: interrupted"))
    }

    @Test func sigtermSentToPyinspectReachesTargetHandler() throws {
        let running = try RunningBinary(["run", "\(fixtures)/wait_for_signal.py", "term"])
        #expect(running.waitForOutput("ready"))
        running.signal(SIGTERM)
        let end = running.finish()
        #expect(end.stdout.contains("got SIGTERM"))
        #expect(end.status == 7)
    }

    @Test func activatedVirtualenvIsHonoured() throws {
        let venv = try makeVirtualenvWithMarker()
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let code = """
            import sys, subprocess, only_in_venv
            print(sys.prefix, only_in_venv.MARK)
            print(subprocess.run([sys.executable, '-c', 'import sys, only_in_venv; print(sys.prefix)'],
                                 capture_output=True, text=True).stdout.strip())
            """
        let result = try BinaryHarness.run(
            ["run", "--quiet", "-c", code],
            environment: ["VIRTUAL_ENV": venv, "PATH": "\(venv)/bin:/usr/bin:/bin"])
        #expect(result.status == 0)
        let resolved = (venv as NSString).resolvingSymlinksInPath
        #expect(result.stdout == "\(resolved) from-venv\n\(resolved)\n" || result.stdout == "\(venv) from-venv\n\(venv)\n")
    }

    @Test func virtualenvChildrenFindItWithoutEnvironment() throws {
        let venv = try makeVirtualenvWithMarker()
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let result = try BinaryHarness.run(
            ["run", "--quiet", "\(fixtures)/venv_children.py"],
            environment: ["VIRTUAL_ENV": venv, "PATH": "\(venv)/bin:/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("clean-env: from-venv \(venv)"))
        // The spawn worker ran under the host (pyinspect-python) and still saw the virtualenv's packages.
        #expect(result.stdout.contains("spawn: ('from-venv', 'pyinspect-python')"))
    }

    @Test func withoutVirtualenvTheSystemPrefixIsUsed() throws {
        let result = try BinaryHarness.run(
            ["run", "--quiet", "-c", "import sys; print(sys.prefix, sys.base_prefix)"],
            environment: ["VIRTUAL_ENV": ""])
        #expect(result.stdout == "/usr /usr\n")
    }
}
