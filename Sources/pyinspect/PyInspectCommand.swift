import ArgumentParser
import FoundationEssentials
import Glibc
import PyInspectCore

@main
struct PyInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyinspect",
        abstract: "Inspect Python programs from the inside: leaks, GIL, threads vs processes, hangs.",
        discussion: """
            Exit statuses: the target's own for `run`; 1 leak found (`leaks`) or dependency conflict (`deps`); \
            64 usage error, 65 target syntax error, 66 target not found, 67 target raised, 68 no such service \
            target, 70 internal error, 75 service target busy (GIL held), 77 refused, 123 deadlock, 124 timeout, \
            125 memory limit, 130 interrupted, 128+N killed by signal N. See README.md.
            """,
        version: PyInspectVersion.current,
        subcommands: [
            Run.self, Leaks.self, Gil.self, Compare.self, Test.self, Profile.self, Deps.self,
            Checkpoint.self, Diff.self, Dump.self, Watch.self, Top.self,  // services
        ]
    )

    /// ArgumentParser's main, except that every command-line mistake is one line and exit 64.
    static func main() {
        // Common `run` command lines skip ArgumentParser's start-up cost (RunFastPath).
        if let request = RunFastPath.request(from: Array(CommandLine.arguments.dropFirst())) {
            Glibc.exit(RunPipeline.execute(request))
        }
        switch CommandLineParsing.parse(Array(CommandLine.arguments.dropFirst())) {
        case .help(let text):
            print(text)
            Glibc.exit(ExitStatus.success)
        case .usageError(let line):
            writeError(line)
            Glibc.exit(ExitStatus.usage)
        case .command(var command):
            do {
                try command.run()
            } catch let error as ExitCode {
                Glibc.exit(error.rawValue)
            } catch {
                switch CommandLineParsing.classify(error) {
                case .usageError(let line):
                    writeError(line)
                    Glibc.exit(ExitStatus.usage)
                default:
                    exit(withError: error)
                }
            }
        }
    }
}
