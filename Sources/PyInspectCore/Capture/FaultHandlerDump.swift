import FoundationEssentials
import Glibc

/// Parses the text CPython's faulthandler writes (`_Py_DumpTracebackThreads`), used when the target could not
/// be asked for its stacks with the GIL (a C call that never lets go, a crash).
///
///     Thread 0x00007f1c2b7fe6c0 (most recent call first):
///       File "/tmp/t.py", line 3 in spin
///     Current thread 0x00007f1c2c96b740 (most recent call first):
///       File "/tmp/t.py", line 9 in <module>
public enum FaultHandlerDump {
    /// Threads in the order written, except that the "Current thread" (the one a fatal signal hit) comes
    /// first. pyinspect's own frames (its helpers under pyscripts/pyinspect/) are left out, and threads that have
    /// none but those.
    public static func parse(_ text: String, names: [UInt64: String] = [:]) -> [ThreadStack] {
        var stacks: [ThreadStack] = []
        var current: Int?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.trimmingSpaces()
            if line.hasPrefix("Thread 0x") || line.hasPrefix("Current thread 0x") {
                let words = line.split(separator: " ")
                let hex = words.first { $0.hasPrefix("0x") }.map { String($0.dropFirst(2)) } ?? ""
                let ident = UInt64(hex, radix: 16)
                let name = ident.flatMap { names[$0] } ?? (ident.map { "thread-\($0)" } ?? "thread")
                if line.hasPrefix("Current thread"), current == nil { current = stacks.count }
                stacks.append(ThreadStack(name: name, ident: ident, nativeId: nil, frames: []))
            } else if line.hasPrefix("File \""), !stacks.isEmpty, let frame = parseFrame(line),
                !frame.file.contains("/pyscripts/pyinspect/")
            {
                stacks[stacks.count - 1].frames.append(frame)
            }
        }
        if let current, current > 0 { stacks.insert(stacks.remove(at: current), at: 0) }
        // A thread with no Python frame left is one of pyinspect's own (the hang monitor between two looks).
        return stacks.filter { !$0.frames.isEmpty }
    }

    private static func parseFrame(_ line: String) -> StackFrame? {
        // File "PATH", line N in FUNCTION
        let afterFile = line.dropFirst("File \"".count)
        guard let quote = afterFile.lastIndex(of: "\"") else { return nil }
        let file = String(afterFile[..<quote])
        let rest = afterFile[afterFile.index(after: quote)...]
        guard let lineRange = rest.firstRange(of: "line ") else { return nil }
        let numberAndName = rest[lineRange.upperBound...]
        let parts = numberAndName.split(separator: " ", maxSplits: 2)
        guard let number = parts.first.flatMap({ Int($0) }) else { return nil }
        let function = parts.count == 3 ? String(parts[2]) : "???"
        return StackFrame(file: file, line: number, function: function)
    }
}
