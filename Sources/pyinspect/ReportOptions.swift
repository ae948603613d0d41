import ArgumentParser

/// Report flags shared by every subcommand.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write the JSON report to this file ('-' for stdout).", valueName: "file"))
    var json: String?

    @Flag(help: "No human summary on stderr.")
    var quiet = false
}
