import Foundation
import PyInspectCore
import Testing

@testable import pyinspect

/// Bad command lines never crash pyinspect and always end as one line of error with exit 64. Random and
/// mutated argument vectors go through `RunTarget.parse` and the whole CLI parser (ArgumentParser included).
/// Seeded: a failure names its seed and vector, and reproduces.
@Suite struct CommandLineFuzzTests {
    /// SplitMix64: a fixed seed gives the same vectors on every machine.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let words = [
        "run", "leaks", "gil", "compare", "--json", "--quiet", "--timeout", "--memory-limit", "-m", "-c", "--", "-",
        "--help", "-h", "--version", "x.py", "", " ", "0", "-1", "1e400", "nan", "inf", "0.5", "512M", "2G", "12Q",
        "99999999999999999999G", "-0", "1.5.5M", "M", "--json=", "--timeout=", "--memory-limit=1", "-x", "--bogus",
        "\u{0}", "a\nb", "\u{7}", "\u{202E}evil", "é", "🙂", "'", "\"", "$(id)", "%s%n", String(repeating: "A", count: 5000),
        "--tim", "-mpkg", "-cpass", "--quiet=1",
    ]

    static func randomWord(_ generator: inout SeededGenerator) -> String {
        if Int.random(in: 0..<4, using: &generator) == 0 {
            // Raw bytes, printable or not.
            let length = Int.random(in: 0..<12, using: &generator)
            let scalars = (0..<length).compactMap { _ in Unicode.Scalar(UInt32.random(in: 0..<0x3000, using: &generator)) }
            return String(String.UnicodeScalarView(scalars))
        }
        return words[Int.random(in: 0..<words.count, using: &generator)]
    }

    static func vectors(seed: UInt64, count: Int) -> [[String]] {
        var generator = SeededGenerator(state: seed)
        var result: [[String]] = []
        let valid: [[String]] = [
            ["run", "x.py"], ["run", "--timeout", "1", "-c", "pass"], ["run", "--memory-limit", "512M", "-m", "mod"],
            ["run", "--json", "r.json", "--quiet", "x.py", "a"],
        ]
        for _ in 0..<count {
            var vector: [String]
            if Bool.random(using: &generator) {
                // Mutate a valid command line: replace, insert or delete words.
                vector = valid[Int.random(in: 0..<valid.count, using: &generator)]
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let position = Int.random(in: 0...vector.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0 where position < vector.count: vector[position] = randomWord(&generator)
                    case 1 where position < vector.count && vector.count > 1: vector.remove(at: position)
                    default: vector.insert(randomWord(&generator), at: position)
                    }
                }
            } else {
                vector = (0..<Int.random(in: 0...6, using: &generator)).map { _ in randomWord(&generator) }
            }
            result.append(vector)
        }
        return result
    }

    @Test func runTargetParseNeverCrashesAndErrorsAreOneLine() {
        for vector in Self.vectors(seed: 8, count: 3000) {
            do {
                let target = try RunTarget.parse(Array(vector.dropFirst()))
                #expect(!target.value.isEmpty, "accepted an empty target from \(vector)")
                #expect(!target.value.contains("\u{0}"), "accepted a NUL from \(vector)")
            } catch let error as UsageError {
                #expect(error.status == ExitStatus.usage)
                #expect(!error.message.isEmpty && !error.message.contains(where: \.isNewline), "\(vector): \(error.message)")
            } catch {
                Issue.record("unexpected error \(error) for \(vector)")
            }
        }
    }

    @Test func cliParserNeverCrashesAndEveryMistakeIsOneLineWithExit64() {
        var errors = 0
        for vector in Self.vectors(seed: 64, count: 400) {
            switch CommandLineParsing.parse(vector) {
            case .command(let command):
                // Whatever parsed must be runnable as asked: a run command has a valid target spec.
                if let run = command as? PyInspectCommand.Run {
                    #expect(throws: Never.self, "\(vector)") { _ = try RunTarget.parse(run.target) }
                }
            case .help(let text):
                #expect(!text.isEmpty)
            case .usageError(let line):
                errors += 1
                #expect(!line.isEmpty && !line.contains(where: \.isNewline), "\(vector): \(line)")
                #expect(line.count < 400, "\(vector): too long")
            }
        }
        // The corpus is mostly bad input: most vectors must have been rejected (a parser accepting all is broken).
        #expect(errors > 200)
    }

    @Test(arguments: [
        (["run", "--timeout"], "Missing value for '--timeout"),
        (["run", "--timeout", "nan", "x.py"], "--timeout must be a positive number"),
        (["run", "--timeout", "1e400", "x.py"], "--timeout must be a positive number"),
        (["run", "--memory-limit", "12Q", "x.py"], "is not a size"),
        (["run", "--memory-limit", "99999999999999999999G", "x.py"], "too large"),
        (["run", "--memory-limit", "1k", "x.py"], "at least 16M"),
        (["run", "-m"], "-m needs a value"),
        (["run", "a\u{0}b"], "NUL"),
        (["run", "-x\nrm -rf /"], "unknown option '-x\\x0arm -rf /'"),
        (["frobnicate"], "unknown command 'frobnicate' (commands: run, leaks, gil, compare, test"),
        (["rn", "x.py"], "unknown command 'rn' — did you mean 'run'?"),
        (["comprae", "x.py:f"], "unknown command 'comprae' — did you mean 'compare'?"),
        (["run", "--jsn", "r.json", "x.py"], "unknown option '--jsn' — did you mean '--json'?"),
        (["run", "--memory-limt=1G", "x.py"], "unknown option '--memory-limt' — did you mean '--memory-limit'?"),
        (["gil", "--long-hlod", "5", "x.py"], "unknown option '--long-hlod' — did you mean '--long-hold'?"),
    ] as [([String], String)])
    func knownMistakesHaveAClearMessage(vector: [String], expected: String) {
        guard case .usageError(let line) = CommandLineParsing.parse(vector) else {
            Issue.record("\(vector) was not rejected")
            return
        }
        #expect(line.contains(expected), "\(line)")
    }

    @Test func helpAndVersionAreNotErrors() {
        for vector in [[], ["--help"], ["run", "--help"], ["run", "-h"], ["gil", "--help"], ["gil", "-h"], ["--version"]] {
            let outcome = CommandLineParsing.parse(vector)
            // ArgumentParser answers a root `--help` with its own HelpCommand, which prints the help.
            if case .command(let command) = outcome, !(command is PyInspectCommand.Run),
                !(command is PyInspectCommand.Gil)
            {
                continue
            }
            guard case .help = outcome else {
                Issue.record("\(vector) should print help, got \(outcome)")
                continue
            }
        }
    }

    @Test func memorySizes() throws {
        #expect(try MemorySize.parse("512M") == 512 << 20)
        #expect(try MemorySize.parse("512MiB") == 512 << 20)
        #expect(try MemorySize.parse("1.5G") == 3 << 29)
        #expect(try MemorySize.parse("20000000") == 20_000_000)
        for bad in ["", "M", "-5M", "1e3M", "0x10M", "5 M", "1.2.3G", "inf", "nanG"] {
            #expect(throws: UsageError.self, "\(bad)") { try MemorySize.parse(bad) }
        }
    }
}
