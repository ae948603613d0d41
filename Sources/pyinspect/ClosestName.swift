/// "Did you mean …?" for a mistyped subcommand or option: the known name fewest edits away, if it is close
/// enough to be a typo rather than another word. Pure, so the CLI tests check it without a process.
enum ClosestName {
    /// The candidate nearest to `word` (optimal string alignment distance: insertions, deletions,
    /// substitutions and swaps of two neighbours each cost 1), when at most a third of the word's letters
    /// (at least 1, at most 2) are wrong, or when `word` is a prefix of exactly one candidate.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        guard !word.isEmpty, word.count <= 64 else { return nil }
        let prefixed = candidates.filter { $0.hasPrefix(word) && word.count >= 3 }
        if prefixed.count == 1 { return prefixed[0] }
        let allowed = min(2, max(1, word.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word, candidate)
            if d <= allowed, d < best?.distance ?? Int.max { best = (candidate, d) }
        }
        return best?.name
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// The long options a command's help lists (`--json`, `--memory-limit`, …), read from the help text
    /// ArgumentParser generates, so the list cannot drift from the options the command really has.
    static func longOptions(inHelp help: String) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for token in help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == "[" || $0 == "]" || $0 == "=" }) {
            guard token.hasPrefix("--"), token.count > 2 else { continue }
            let name = String(token.prefix { $0 == "-" || $0.isLetter || $0.isNumber })
            guard name.count > 2, name.last != "-", seen.insert(name).inserted else { continue }
            names.append(name)
        }
        return names
    }
}
