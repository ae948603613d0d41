/// `pyinspect run` and `pyinspect profile` without ArgumentParser's start-up cost: its first parse spends ~17
/// million instructions (about 4 ms, measured with callgrind) in Swift runtime type lookups, a third of python3's
/// whole start-up; `profile`'s parse spent ~23 million, most of the fixed part of its cost over `run`.
/// Only command lines made of the options below take this path; anything else (help, other options, any
/// error) returns nil and goes through ArgumentParser, so behaviour and messages are the same either way.
public enum RunFastPath {
    public static func request(from arguments: [String]) -> RunRequest? {
        guard let command = arguments.first, command == "run" || command == "profile" else { return nil }
        let profiling = command == "profile"
        var words = arguments.dropFirst()
        var json: String?
        var quiet = false
        var timeout: Double?
        var profile = ProfileOptions()
        while let word = words.first, word.hasPrefix("--") {
            words = words.dropFirst()
            let (name, inlineValue) = split(word)
            switch name {
            case "--quiet" where inlineValue == nil:
                quiet = true
            case "--json", "--timeout":
                guard let value = inlineValue ?? words.first, !value.isEmpty else { return nil }
                if inlineValue == nil { words = words.dropFirst() }
                if name == "--json" {
                    json = value
                } else {
                    guard let seconds = Double(value), seconds > 0, seconds < 1e9 else { return nil }
                    timeout = seconds
                }
            case "--rate", "--html", "--speedscope", "--collapsed":
                guard profiling, let value = inlineValue ?? words.first, !value.isEmpty, !value.hasPrefix("-") else { return nil }
                if inlineValue == nil { words = words.dropFirst() }
                switch name {
                case "--rate":
                    guard let rate = Double(value), ProfileOptions.rateProblem(rate) == nil else { return nil }
                    profile.rateHz = rate
                case "--html": profile.htmlPath = value
                case "--speedscope": profile.speedscopePath = value
                default: profile.collapsedPath = value
                }
            default:
                return nil
            }
        }
        // `profile -h` asks for help (Profile.validate answers it): ArgumentParser's path.
        if profiling, let first = words.first, first == "-h" || first == "--help" { return nil }
        guard let target = try? RunTarget.parse(Array(words)) else { return nil }
        var request = RunRequest(target: target, timeoutSeconds: timeout, jsonPath: json, quiet: quiet)
        if profiling {
            request.command = "profile"
            request.profile = profile
        }
        return request
    }

    private static func split(_ word: String) -> (String, String?) {
        guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }
}
