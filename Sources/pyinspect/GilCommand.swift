import ArgumentParser
import PyInspectCore

extension PyInspectCommand {
    struct Gil: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a target and measure GIL hold and wait times per thread, with a verdict.",
            usage: "pyinspect gil [options] (SCRIPT | -m MODULE | -c CODE) [ARGS...]",
            discussion: "Traces every acquire and release of the GIL (falls back to sampling every 1 ms if the tracer's self-test fails). See docs/gil.md."
        )

        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Write an HTML report with a timeline, a lane per thread.", valueName: "file"))
        var html: String?

        @Option(help: ArgumentHelp("Holds at least this long are listed with the holder's Python stack.", valueName: "ms"))
        var longHold: Double = GILOptions.defaultLongHoldMs

        @Flag(help: "Sample the GIL's state every 1 ms instead of tracing every acquire and release.")
        var sampling = false

        @Option(help: ArgumentHelp("Stop the target after this many seconds and report every thread's stack.", valueName: "seconds"))
        var timeout: Double?

        @Argument(parsing: .captureForPassthrough, help: "SCRIPT | -m MODULE | -c CODE, then the target's arguments.")
        var target: [String] = []

        func validate() throws {
            // With passthrough parsing `gil --help` would reach the target spec: answer it here.
            if let first = target.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
            if let line = CommandLineParsing.mistypedOption(target, of: Self.self) { throw ValidationError(line) }
            if let timeout, !(timeout > 0 && timeout.isFinite) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
            if !(longHold > 0 && longHold.isFinite) {
                throw ValidationError("--long-hold must be a positive number of milliseconds")
            }
        }

        func run() throws {
            let parsed = try RunTarget.parsedForCommand(target)
            var request = RunRequest(
                target: parsed, timeoutSeconds: timeout, jsonPath: report.json, quiet: report.quiet)
            request.command = "gil"
            request.junitPath = report.junit
            request.gil = GILOptions(longHoldMs: longHold, sampling: sampling, htmlPath: html)
            throw ExitCode(RunPipeline.execute(request))
        }
    }
}
