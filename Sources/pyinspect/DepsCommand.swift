import ArgumentParser
import PyInspectCore

extension PyInspectCommand {
    struct Deps: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the environment's dependencies and, with a target, tie every module it imports to where it came from.",
            usage: "pyinspect deps [options] [SCRIPT | -m MODULE | -c CODE] [ARGS...]",
            discussion: "Exit 0 clean, 1 a dependency conflict; with a target, its own status and run's otherwise. See docs/deps.md."
        )

        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Write the report as a self-contained HTML page: findings, the environment, the modules table.", valueName: "file"))
        var html: String?

        @Option(help: ArgumentHelp("Stop the target after this many seconds and report every thread's stack.", valueName: "seconds"))
        var timeout: Double?

        @Argument(parsing: .captureForPassthrough, help: "Optional: SCRIPT | -m MODULE | -c CODE, then the target's arguments.")
        var target: [String] = []

        func validate() throws {
            if let first = target.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
            if let line = CommandLineParsing.mistypedOption(target, of: Self.self) { throw ValidationError(line) }
            if let timeout, !(timeout > 0 && timeout.isFinite && timeout < 1e9) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
            if !target.isEmpty {
                _ = try RunTarget.parsedForCommand(target)
            }
        }

        func run() throws {
            var parsed: RunTarget?
            if !target.isEmpty {
                parsed = try RunTarget.parsedForCommand(target)
            }
            var request = DepsRequest(
                target: parsed, jsonPath: report.json, htmlPath: html, quiet: report.quiet, timeoutSeconds: timeout)
            request.junitPath = report.junit
            throw ExitCode(DepsPipeline.execute(request))
        }
    }
}
