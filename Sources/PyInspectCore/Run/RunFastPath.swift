/// `pyinspect run` without ArgumentParser's start-up cost: its first parse spends ~17 million instructions
/// (about 4 ms, measured with callgrind) in Swift runtime type lookups, a third of python3's whole start-up.
/// Only command lines made of the options below take this path; anything else (help, other options, any
/// error) returns nil and goes through ArgumentParser, so behaviour and messages are the same either way.
public enum RunFastPath {
    public static func request(from arguments: [String]) -> RunRequest? {
        guard arguments.first == "run" else { return nil }
        var words = arguments.dropFirst()
        var json: String?
        var quiet = false
        var timeout: Double?
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
            default:
                return nil
            }
        }
        guard let target = try? RunTarget.parse(Array(words)) else { return nil }
        return RunRequest(target: target, timeoutSeconds: timeout, jsonPath: json, quiet: quiet)
    }

    private static func split(_ word: String) -> (String, String?) {
        guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }
}
