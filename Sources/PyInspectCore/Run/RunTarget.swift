/// What to run, as python3 takes it: a script path, `-m module` or `-c code`, each followed by its arguments.
public struct RunTarget: Equatable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable { case script, module, code }

    public var kind: Kind
    /// The script path, module name or code.
    public var value: String
    /// The target's own arguments (sys.argv[1:]).
    public var arguments: [String]

    public init(kind: Kind, value: String, arguments: [String] = []) {
        self.kind = kind
        self.value = value
        self.arguments = arguments
    }

    /// Parses python3-style words: `SCRIPT ARGS…`, `-m MODULE ARGS…` or `-c CODE ARGS…`.
    public static func parse(_ words: [String]) throws -> RunTarget {
        guard let first = words.first else {
            throw UsageError("missing target: give a script, -m MODULE or -c CODE")
        }
        let rest = Array(words.dropFirst())
        switch first {
        case "-m", "-c":
            guard let value = rest.first, !value.isEmpty else {
                throw UsageError("\(first) needs a value")
            }
            guard !value.contains("\0") else { throw UsageError("\(first): the value contains a NUL character") }
            return RunTarget(kind: first == "-m" ? .module : .code, value: value, arguments: Array(rest.dropFirst()))
        case "--":
            // Everything after `--` is the script and its arguments, even a name that starts with '-'.
            guard let script = rest.first, !script.isEmpty else { throw UsageError("missing script after --") }
            guard !script.contains("\0") else { throw UsageError("the script path contains a NUL character") }
            return RunTarget(kind: .script, value: script, arguments: Array(rest.dropFirst()))
        default:
            if first.hasPrefix("-"), first != "-" {
                throw UsageError("unknown option '\(printable(first))' (options go before the target)")
            }
            guard !first.isEmpty else { throw UsageError("the script path is empty") }
            guard !first.contains("\0") else { throw UsageError("the script path contains a NUL character") }
            return RunTarget(kind: .script, value: first, arguments: rest)
        }
    }

    /// argv as python3 would receive it, with `program` as argv[0].
    public func pythonArgv(program: String) -> [String] {
        switch kind {
        case .script: return [program, value] + arguments
        case .module: return [program, "-m", value] + arguments
        case .code: return [program, "-c", value] + arguments
        }
    }

    /// A short label for summaries.
    public var label: String {
        switch kind {
        case .script: return value
        case .module: return "-m \(value)"
        case .code: return "-c \(value.count > 40 ? String(value.prefix(37)) + "..." : value)"
        }
    }
}

/// A mistake in the command line, reported as one line with `ExitStatus.usage`.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var status: Int32
    public init(_ message: String, status: Int32 = ExitStatus.usage) {
        self.message = message
        self.status = status
    }
    public var description: String { message }
}
