import ArgumentParser
import PyInspectCore

extension PyInspectCommand {
    struct Profile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a target under a sampling profiler that tells CPU time, GIL waits and blocked time apart.",
            usage: "pyinspect profile [--rate HZ] [--json FILE] [--html FILE] [--speedscope FILE] [--collapsed FILE] [options] (SCRIPT | -m MODULE | -c CODE) [ARGS...]",
            discussion: "A native thread reads every Python thread's frames without the GIL, --rate times a second; each sample is cpu, gil_wait or off_cpu. See docs/profile.md."
        )

        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Samples per second and thread (1 to 10000).", valueName: "hz"))
        var rate: Double = ProfileOptions.defaultRateHz

        @Option(help: ArgumentHelp("Write the flame graph page (self-contained HTML: zoom, search, states, threads) to this file.", valueName: "file"))
        var html: String?

        @Option(help: ArgumentHelp("Write the profile in speedscope's format (one profile per thread) to this file.", valueName: "file"))
        var speedscope: String?

        @Option(help: ArgumentHelp("Write folded stacks (`a;b;c COUNT`, for flamegraph.pl and inferno) to this file.", valueName: "file"))
        var collapsed: String?

        @Option(help: ArgumentHelp("Stop the target after this many seconds and report every thread's stack.", valueName: "seconds"))
        var timeout: Double?

        @Argument(parsing: .captureForPassthrough, help: "SCRIPT | -m MODULE | -c CODE, then the target's arguments.")
        var target: [String] = []

        func validate() throws {
            // With passthrough parsing `profile --help` would reach the target spec: answer it here.
            if let first = target.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
            if let line = CommandLineParsing.mistypedOption(target, of: Self.self) { throw ValidationError(line) }
            if let problem = ProfileOptions.rateProblem(rate) { throw ValidationError(problem) }
            if let timeout, !(timeout > 0 && timeout.isFinite && timeout < 1e9) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
            _ = try RunTarget.parsedForCommand(target)
        }

        func run() throws {
            let parsed = try RunTarget.parsedForCommand(target)
            var request = RunRequest(
                target: parsed, timeoutSeconds: timeout, jsonPath: report.json, quiet: report.quiet)
            request.command = "profile"
            request.junitPath = report.junit
            request.profile = ProfileOptions(rateHz: rate, htmlPath: html, speedscopePath: speedscope, collapsedPath: collapsed)
            throw ExitCode(RunPipeline.execute(request))
        }
    }
}
