import FoundationEssentials

/// `--collapsed FILE`: Brendan Gregg's folded stacks, the input of flamegraph.pl and inferno
/// (`inferno-flamegraph < FILE > flame.svg`). One line per distinct stack, `root;frame;frame count`, sorted.
///
/// Each line starts with its thread (`MainThread (tid 4242)`), then the asyncio task if one was running
/// (`task worker-1 (worker)`), then the Python frames, outermost first. A frame is `function (file)` by default:
/// the form py-spy writes with `--nolineno`, one box per function and call path; `lineNumbers: true` gives
/// `function (file:line)` (the line executing, or calling the next frame). The three states are added up: the
/// folded format has no place for them (the HTML page and the `profile` section split them).
///
/// The format has no escapes: `;` (the separator) in a name becomes `；` (U+FF1B), line breaks become `\n`/`\r`
/// as two characters, and a tab becomes a space. Pure and thread-safe.
public enum ProfileCollapsed {
    public static func render(_ stacks: ProfileStacks, lineNumbers: Bool = false) -> String {
        var counts: [String: Int] = [:]
        for stack in stacks.stacks where stack.count > 0 {
            counts[path(of: stack, lineNumbers: lineNumbers), default: 0] += stack.count
        }
        return counts.keys.sorted().map { "\($0) \(counts[$0] ?? 0)\n" }.joined()
    }

    /// The folded path of one stack, without its count.
    static func path(of stack: ProfileStack, lineNumbers: Bool) -> String {
        var parts = [threadLabel(stack)]
        if let task = taskLabel(stack) { parts.append(task) }
        for frame in stack.frames {
            let place = lineNumbers ? "\(frame.file):\(frame.line)" : frame.file
            parts.append("\(frame.function) (\(place))")
        }
        return parts.map(clean).joined(separator: ";")
    }

    /// `MainThread (tid 4242)`: the name alone is not unique (two threads may share one).
    static func threadLabel(_ stack: ProfileStack) -> String {
        "\(stack.thread) (tid \(stack.nativeID))"
    }

    /// `task NAME (COROUTINE)` when the samples were taken while an asyncio task ran.
    static func taskLabel(_ stack: ProfileStack) -> String? {
        guard let task = stack.task else { return nil }
        guard let coroutine = stack.coroutine, !coroutine.isEmpty else { return "task \(task)" }
        return "task \(task) (\(coroutine))"
    }

    /// A name made safe for one field of a folded line.
    static func clean(_ name: String) -> String {
        var out = ""
        out.reserveCapacity(name.utf8.count)
        // Scalar by scalar: "\r\n" is one Character, and both halves must go.
        for scalar in name.unicodeScalars {
            switch scalar {
            case ";": out += "\u{FF1B}"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
