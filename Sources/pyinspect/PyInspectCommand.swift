import ArgumentParser
import Glibc
import PyInspectCore

@main
struct PyInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyinspect",
        abstract: "Inspect Python programs from the inside: leaks, GIL, threads vs processes, hangs.",
        discussion: """
            Exit statuses: the target's own for `run`; 64 usage error, 65 target syntax error, 66 target not \
            found, 67 target raised, 70 internal error, 123 deadlock, 124 timeout, 125 memory limit, \
            130 interrupted, 128+N killed by signal N. See README.md.
            """,
        version: PyInspectVersion.current,
        subcommands: [Run.self, Gil.self]
    )

    static func main() {
        if let request = RunFastPath.request(from: Array(CommandLine.arguments.dropFirst())) {
            Glibc.exit(RunPipeline.execute(request))
        }
        main(nil)
    }
}
