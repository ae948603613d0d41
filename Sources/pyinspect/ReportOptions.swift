import ArgumentParser

/// Report flags shared by every subcommand.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write the JSON report to this file ('-' for stdout).", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Write a JUnit XML file for CI: one test case per target, failed unless clean.", valueName: "file"))
    var junit: String?

    @Flag(help: "No human summary on stderr.")
    var quiet = false
}
