import Foundation
import Testing

/// Bad input to `run` gets one line on stderr and its own exit status, distinct from the target's failures.
@Suite struct RunUsageErrorTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("run").path

    @Test func missingScript() throws {
        let result = try BinaryHarness.run(["run", "/nonexistent/nope.py"])
        #expect(result.status == 66)
        #expect(result.stderr.hasPrefix("pyinspect: error: can't open file '/nonexistent/nope.py'"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func unknownModule() throws {
        let result = try BinaryHarness.run(["run", "-m", "no_such_module_xyz"])
        #expect(result.status == 66)
        #expect(result.stderr == "pyinspect: error: No module named 'no_such_module_xyz'\n")
    }

    @Test func syntaxErrorInTarget() throws {
        let result = try BinaryHarness.run(["run", "\(fixtures)/syntax_error.py"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("syntax error in \(fixtures)/syntax_error.py, line 1"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func unknownOption() throws {
        let result = try BinaryHarness.run(["run", "--bogus", "x.py"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown option '--bogus'"))
    }

    @Test func missingTarget() throws {
        let result = try BinaryHarness.run(["run"])
        #expect(result.status == 64)
    }

    @Test func badTimeout() throws {
        let result = try BinaryHarness.run(["run", "--timeout", "-1", "-c", "pass"])
        #expect(result.status == 64)
    }
}
