import ArgumentParser
import FoundationEssentials
import Glibc
import PyInspectCore

extension PyInspectCommand {
    struct Leaks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call a function repeatedly and report what it leaks, where it was allocated and what keeps it alive.",
            usage: "pyinspect leaks [options] (FILE.py:FUNCTION | MODULE:FUNCTION)",
            discussion: "Exit 0 clean, 1 leak, 67 the target raised. See docs/leaks.md."
        )

        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Write an HTML report: memory per call, sites with their source, chains.", valueName: "file"))
        var html: String?

        @Option(help: ArgumentHelp("Seconds of calls after which undecided signals are decided.", valueName: "seconds"))
        var budget: Double = LeakPolicy().budgetSeconds

        @Option(help: ArgumentHelp("Stop the hunt after this many seconds (exit 124): a call that never returns.", valueName: "seconds"))
        var timeout: Double?

        @Option(help: ArgumentHelp("Measure at least this many calls whatever the verdict (a soak; 1 to 1000000).", valueName: "n"))
        var calls: Int?

        @Argument(help: "FILE.py:FUNCTION or MODULE:FUNCTION; the function is called with no arguments.")
        var target: String

        func validate() throws {
            if let timeout, !(timeout > 0 && timeout.isFinite) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
            if !(budget > 0 && budget.isFinite) {
                throw ValidationError("--budget must be a positive number of seconds")
            }
        }

        func run() throws {
            var request: LeaksRequest
            do {
                request = try LeaksRequest.parse(target)
            } catch let error as UsageError {
                throw ValidationError(error.message)
            }
            request.policy.budgetSeconds = budget
            if let calls {
                guard (1...1_000_000).contains(calls) else { throw ValidationError("--calls must be between 1 and 1000000") }
                request.policy.callsAtLeast = calls
                request.policy.maxCalls = max(request.policy.maxCalls, calls)
            }
            request.timeoutSeconds = timeout
            request.jsonPath = report.json
            request.junitPath = report.junit
            request.htmlPath = html
            request.quiet = report.quiet
            request.progress = !report.quiet && isatty(2) == 1
            throw ExitCode(LeaksPipeline.execute(request))
        }
    }
}
