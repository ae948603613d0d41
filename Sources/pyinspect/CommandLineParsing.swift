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
            if let line = unknownCommand(arguments) ?? mistypedOptionBeforeValidation(arguments) { return .usageError(line) }
            return classify(error)
        }
    }

    /// The subcommands' names, as typed.
    static var commandNames: [String] {
        PyInspectCommand.configuration.subcommands.map { $0.configuration.commandName ?? "\($0)".lowercased() }
    }

    /// `pyinspect rn x.py`: ArgumentParser would say "2 unexpected arguments"; say which word is not a command
    /// and the command it was probably meant to be.
    static func unknownCommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help", !commandNames.contains(first)
        else { return nil }
        let shown = printable(first, limit: 80)
        if let closest = ClosestName.suggestion(for: first, among: commandNames) {
            return "unknown command '\(shown)' — did you mean '\(closest)'?"
        }
        if first.hasSuffix(".py") {
            return "unknown command '\(shown)' — to run a script: pyinspect run \(shown)"
        }
        return "unknown command '\(shown)' (commands: \(commandNames.joined(separator: ", ")); see 'pyinspect --help')"
    }

    /// ArgumentParser's "Unknown option '--jsn'. Did you mean '--json'?" worded as pyinspect's own suggestions.
    static func sameWordingAsOurs(_ line: String) -> String {
        let head = "Unknown option '", middle = "'. Did you mean '"
        guard line.hasPrefix(head), line.hasSuffix("'?"), let split = line.firstRange(of: middle) else { return line }
        let option = line[line.index(line.startIndex, offsetBy: head.count)..<split.lowerBound]
        let suggestion = line[split.upperBound..<line.index(line.endIndex, offsetBy: -2)]
        return "unknown option '\(option)' — did you mean '\(suggestion)'?"
    }

    /// `compare --htm a.html x.py:f`: ArgumentParser reports the validation error about 'a.html' before the
    /// unknown option; the typo is the mistake to name. Not for run/gil/test: the words after their options are
    /// the target's or pytest's own (run and gil check the words before the target, `mistypedOption`).
    static func mistypedOptionBeforeValidation(_ arguments: [String]) -> String? {
        guard let name = arguments.first, !["run", "gil", "test"].contains(name),
            let command = PyInspectCommand.configuration.subcommands.first(where: {
                ($0.configuration.commandName ?? "\($0)".lowercased()) == name
            })
        else { return nil }
        for word in arguments.dropFirst() {
            if word == "--" { break }
            if let line = mistypedOption([word], of: command) { return line }
        }
        return nil
    }

    /// `run --jsn x.py`: with passthrough parsing the typo reaches the target spec; name the option meant.
    static func mistypedOption(_ target: [String], of command: ParsableCommand.Type) -> String? {
        guard let first = target.first, first.hasPrefix("--"), first.count > 2 else { return nil }
        let name = String(first.prefix { $0 != "=" })
        let options = ClosestName.longOptions(inHelp: command.helpMessage(columns: 200))
        guard !options.contains(name), let closest = ClosestName.suggestion(for: name, among: options) else { return nil }
        return "unknown option '\(printable(name, limit: 80))' — did you mean '\(closest)'?"
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
        line = sameWordingAsOurs(line)
        line = printable(line, limit: 300)
        // A suggestion is the help the user needs; the pointer to --help would only lengthen the line.
        if line.lowercased().contains("did you mean") { return line }
        return line + " (see 'pyinspect --help')"
    }
}

extension RunTarget {
    /// `RunTarget.parse` for a subcommand's `validate()`/`run()`: a malformed target is ArgumentParser's usage
    /// error (one line, exit 64).
    static func parsedForCommand(_ arguments: [String]) throws -> RunTarget {
        do {
            return try RunTarget.parse(arguments)
        } catch let error as UsageError {
            throw ValidationError(error.message)
        }
    }
}
