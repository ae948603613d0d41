import Foundation
import Testing

/// A sample of the CLI fuzz corpus (Tests/CLITests) through the real binary: every bad command line gets
/// exactly one line on stderr, `pyinspect: error: ...`, exit 64, nothing on stdout, and no Python started.
@Suite struct CommandLineRejectionTests {
    static let hostile: [[String]] = [
        ["run", "--timeout"], ["run", "--timeout", "nan", "x.py"], ["run", "--timeout", "-0", "x.py"],
        ["run", "--timeout", "1e400", "x.py"], ["run", "--timeout=", "x.py"], ["run", "--memory-limit", "12Q", "x.py"],
        ["run", "--memory-limit", "99999999999999999999G", "x.py"], ["run", "--memory-limit", "1k", "-c", "pass"],
        ["run", "--memory-limit"], ["run", "-m"], ["run", "-c"], ["run", "-c", ""], ["run", "--"], ["run", ""],
        ["run", "-x\nsecond line"], ["run", "--bogus", "x.py"], ["run", "--json"], ["run", "--quiet=1", "x.py"],
        ["frobnicate"], ["run", "-" + String(repeating: "A", count: 5000)],
        ["run", "--tim", "1", "x.py"], ["leaks-typo", "x.py"], ["run", "-\u{7}"],
    ]

    @Test(arguments: hostile) func rejectedWithOneLineAndExit64(vector: [String]) throws {
        let result = try BinaryHarness.run(vector)
        #expect(result.status == 64, "\(vector): \(result.stderr)")
        #expect(result.stdout == "")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(vector): \(result.stderr)")
        #expect(result.stderr.hasPrefix("pyinspect: error: "))
        #expect(result.stderr.count < 500)
    }

    /// Well-formed but naming nothing that exists: one line too, with the not-found status.
    @Test(arguments: [["run", "\u{202E}evil", "--", "x"], ["run", "%s%n$(id)"], ["run", "-m", "no.such\nmodule"]])
    func missingTargetsAreOneLineWithExit66(vector: [String]) throws {
        let result = try BinaryHarness.run(vector)
        #expect(result.status == 66, "\(vector): \(result.stderr)")
        #expect(result.stderr.hasPrefix("pyinspect: error: "))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}
