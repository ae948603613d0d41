import ArgumentParser
import PyInspectCore

/// Turns argv into a command, help text, or one line of error: every mistake on the command line ends as
/// `pyinspect: error: <message>` on stderr with exit 64, never a usage dump or a crash. Pure (no output),
/// so the fuzz test in Tests/CLITests can feed it anything.
enum CommandLineParsing {
    enum Outcome {
        case command(ParsableCommand)
        /// --help, --version: text for stdout, exit 0.
        case help(String)
        /// One line, without the "pyinspect: error: " prefix; exit `ExitStatus.usage`.
        case usageError(String)
    }

    static func parse(_ arguments: [String]) -> Outcome {
        do {
            let command = try PyInspectCommand.parseAsRoot(arguments)
            // No subcommand (`pyinspect`, `pyinspect --help`): the root has nothing to run but its help.
            if command is PyInspectCommand { return .help(PyInspectCommand.helpMessage()) }
            return .command(command)
        } catch {
            return classify(error)
        }
    }

    static func classify(_ error: Error) -> Outcome {
        let code = PyInspectCommand.exitCode(for: error)
        let message = PyInspectCommand.message(for: error)
        if code == .success { return .help(PyInspectCommand.fullMessage(for: error)) }
        return .usageError(oneLine(message))
    }

    /// The first meaningful line, control characters escaped, at most 300 characters.
    static func oneLine(_ message: String) -> String {
        let first = message.split(whereSeparator: { $0.isNewline }).map { line -> String in
            // trimmingCharacters(in: .whitespaces), without Foundation
            let isSpace: (Character) -> Bool = { $0.isWhitespace && !$0.isNewline }
            return String(line.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        }
            .first { !$0.isEmpty } ?? "invalid command line"
        var line = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : first
        line = printable(line, limit: 300)
        return line + " (see 'pyinspect --help')"
    }
}
