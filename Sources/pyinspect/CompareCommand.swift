import ArgumentParser
import FoundationEssentials
import Glibc
import PyInspectCore

extension PyInspectCommand {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the same work serially, on threads and on processes; measure and recommend one.",
            usage: "pyinspect compare [options] (file.py:function | module:function)"
        )

        @OptionGroup var report: ReportOptions

        @Option(help: "Call the function as function(i) for i in range(N).")
        var tasks = 8

        @Option(help: "Pool size (default: the number of cores).")
        var workers: Int?

        @Option(name: .customLong("start-method"), help: "Process pool start method: spawn, forkserver or fork.")
        var startMethod = "spawn"

        @Option(help: "Rounds of all three modes (default: 3 to 7, within --budget).")
        var rounds: Int?

        @Option(help: ArgumentHelp("Seconds the adaptive rounds may take.", valueName: "seconds"))
        var budget = 30.0

        @Option(help: ArgumentHelp("Write a self-contained HTML page with a chart.", valueName: "file"))
        var html: String?

        @Argument(help: "file.py:function or module:function.")
        var target: String

        func validate() throws {
            do {
                _ = try request().validated()
            } catch let error as UsageError {
                throw ValidationError(error.message)
            }
            if !(budget > 0 && budget < 86_400) { throw ValidationError("--budget must be a positive number of seconds") }
        }

        func request() -> CompareRequest {
            CompareRequest(
                target: target, tasks: tasks, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
                startMethod: startMethod, rounds: rounds, budgetSeconds: budget, jsonPath: report.json,
                htmlPath: html, junitPath: report.junit, quiet: report.quiet)
        }

        func run() throws {
            throw ExitCode(ComparePipeline.execute(request()))
        }
    }
}
