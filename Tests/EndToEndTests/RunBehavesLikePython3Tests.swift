import Foundation
import Testing

/// `pyinspect run` must behave like /usr/bin/python3 for the target: argv, paths, streams, statuses.
@Suite struct RunBehavesLikePython3Tests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("run").path

    @Test func scriptSeesArgvPathAndMain() throws {
        let script = "\(fixtures)/argv_and_path.py"
        let result = try BinaryHarness.run(["run", "--quiet", script, "one", "--two"])
        #expect(result.status == 0)
        let seen = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(seen?["argv"] as? [String] == [script, "one", "--two"])
        #expect(seen?["path0"] as? String == fixtures)
        #expect(seen?["name"] as? String == "__main__")
        #expect((seen?["executable"] as? String)?.hasSuffix("/pyinspect-python") == true)
    }

    @Test func moduleRunsAsMainWithCwdOnPath() throws {
        let result = try BinaryHarness.run(["run", "--quiet", "-m", "pkgdemo.tool", "a", "b"], directory: fixtures)
        #expect(result.status == 0)
        #expect(result.stdout == "tool ['a', 'b']\n")
        let package = try BinaryHarness.run(["run", "--quiet", "-m", "pkgdemo"], directory: fixtures)
        #expect(package.stdout.hasPrefix("pkgdemo main __main__"))
    }

    @Test func codeGetsDashCArgv() throws {
        let result = try BinaryHarness.run(["run", "--quiet", "-c", "import sys; print(sys.argv)", "x"])
        #expect(result.stdout == "['-c', 'x']\n")
    }

    @Test func stdinStdoutStderrPassThrough() throws {
        let result = try BinaryHarness.run(["run", "--quiet", "\(fixtures)/echo_stdin.py"], stdin: "hello")
        #expect(result.stdout == "HELLO")
        #expect(result.stderr == "to-stderr\n")
    }

    @Test func warningsPrintAsPython3Does() throws {
        let result = try BinaryHarness.run(["run", "--quiet", "\(fixtures)/warns.py"])
        #expect(result.stderr.contains("warns.py:3: UserWarning: fixture warning"))
        #expect(result.stdout == "after warning\n")
    }

    @Test func uncaughtExceptionPrintsTracebackAndExitsOne() throws {
        let result = try BinaryHarness.run(["run", "\(fixtures)/raises.py"], json: true)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Traceback (most recent call last):"))
        #expect(result.stderr.contains("ValueError: boom from fixture"))
        #expect(result.report?["verdict"] as? String == "error")
        let exception = result.report?["exception"] as? [String: Any]
        #expect(exception?["type"] as? String == "ValueError")
    }

    @Test(arguments: [0, 3, 42]) func sysExitStatusIsKept(code: Int) throws {
        let result = try BinaryHarness.run(["run", "--quiet", "\(fixtures)/exits_with.py", String(code)])
        #expect(result.status == Int32(code))
    }

    @Test func sigintRaisesKeyboardInterruptAndExits130() throws {
        let result = try BinaryHarness.run(["run", "\(fixtures)/sigint_self.py"], json: true)
        #expect(result.status == 130)
        #expect(result.stderr.contains("KeyboardInterrupt"))
        #expect(!result.stdout.contains("not reached"))
        #expect(result.report?["verdict"] as? String == "interrupted")
    }

    @Test func subprocessWithSysExecutableBehavesLikePython3() throws {
        let result = try BinaryHarness.run(["run", "--quiet", "\(fixtures)/subprocess_child.py"])
        #expect(result.status == 0)
        #expect(result.stdout == "/usr [\"-c\", \"x\"]\n")
    }

    @Test(arguments: ["spawn", "forkserver", "fork"]) func multiprocessingPoolWorks(method: String) throws {
        let result = try BinaryHarness.run(["run", "--quiet", "\(fixtures)/mp_pool.py", method])
        #expect(result.status == 0)
        #expect(result.stdout == "\(method) 328350\n")
        #expect(!result.stderr.contains("leaked"))
    }

    @Test func pythonpathIsHonoured() throws {
        let result = try BinaryHarness.run(
            ["run", "--quiet", "-c", "import pkgdemo.tool; print(pkgdemo.tool.__file__)"],
            environment: ["PYTHONPATH": fixtures])
        #expect(result.stdout == "\(fixtures)/pkgdemo/tool.py\n")
    }
}
