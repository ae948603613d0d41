import ArgumentParser
import PyInspectCore

extension PyInspectCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a script, -m module or -c code as python3 would, under instrumentation.",
            usage: "pyinspect run [options] (SCRIPT | -m MODULE | -c CODE) [ARGS...]"
        )

        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Stop the target after this many seconds and report every thread's stack.", valueName: "seconds"))
        var timeout: Double?

        @Flag(name: .customLong("no-hangs"), help: "Do not watch for deadlocks, blocked loops and asyncio misuse.")
        var noHangs = false

        @Argument(parsing: .captureForPassthrough, help: "SCRIPT | -m MODULE | -c CODE, then the target's arguments.")
        var target: [String] = []

        func validate() throws {
            if let timeout, !(timeout > 0 && timeout.isFinite) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
        }

        func run() throws {
            let parsed: RunTarget
            do {
                parsed = try RunTarget.parse(target)
            } catch let error as UsageError {
                throw ValidationError(error.message)
            }
            var request = RunRequest(
                target: parsed, timeoutSeconds: timeout, jsonPath: report.json, quiet: report.quiet)
            request.noHangMonitor = noHangs
            throw ExitCode(RunPipeline.execute(request))
        }
    }
}
