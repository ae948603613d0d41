import FoundationEssentials
import Glibc

/// Every claim a compare reason can make, and what the figures must show for it to hold. The reason is built
/// from the figures (CompareAnalysis); this reads it back as a user would and lists each claim the figures
/// contradict, so a new rule that says something the numbers don't support fails the tests that run it over
/// generated and recorded figures. Pure; used by tests and cheap enough to run on any report.
public enum CompareReasonCheck {
    public static func contradictions(
        recommendation: String, reason: String, modes: [String: CompareMode], tasks: Int, cores: Int? = nil
    ) -> [String] {
        guard let threads = modes["threads"], let processes = modes["processes"], modes["serial"] != nil else {
            return recommendation == "serial" ? [] : ["\(recommendation) recommended without every mode measured"]
        }
        var found: [String] = []
        func require(_ holds: Bool, _ claim: String) { if !holds { found.append(claim) } }
        func quotes(_ figure: String, _ value: Double) -> Bool { figure == String(format: "%.2f", value) }
        let worthwhile = CompareAnalysis.worthwhileSpeedup
        let held = threads.gil?.heldFraction
        let noise = reason.contains("the machine's noise")

        // The recommendation itself.
        switch recommendation {
        case "processes":
            require(processes.speedup >= worthwhile, "processes recommended at \(processes.speedup)x over serial")
            require(processes.speedup > threads.speedup || noise, "processes recommended though threads were faster")
        case "threads":
            require(threads.speedup >= worthwhile, "threads recommended at \(threads.speedup)x over serial")
            require(!((held ?? 0) >= 0.9 && threads.parallelism < 1.2), "threads recommended though they ran one at a time")
        case "serial":
            require(processes.speedup < worthwhile, "serial recommended though processes were \(processes.speedup)x faster")
            require(threads.speedup < worthwhile || noise, "serial recommended though threads were \(threads.speedup)x faster")
        default:
            found.append("unknown recommendation \(recommendation)")
        }

        // Speedups quoted.
        for figure in numbers(after: "threads were ", in: reason) {
            require(quotes(figure, threads.speedup) && threads.speedup >= worthwhile, "threads were \(figure)x faster")
        }
        for figure in numbers(after: "processes were ", in: reason) where reason.contains("processes were \(figure)x faster than serial") {
            require(quotes(figure, processes.speedup) && processes.speedup >= worthwhile, "processes were \(figure)x faster than serial")
        }
        for figure in numbers(after: "as fast as processes (", in: reason) {
            require(quotes(figure, processes.speedup) && threads.speedup >= CompareAnalysis.threadsShareOfProcesses * processes.speedup,
                    "as fast as processes (\(figure)x)")
        }
        for figure in numbers(after: "neither threads (", in: reason) {
            require(quotes(figure, threads.speedup) && threads.speedup < worthwhile, "neither threads (\(figure)x)")
        }
        for figure in numbers(after: "processes (", in: reason)
        where reason.contains("nor processes (\(figure)x)") || reason.contains("processes (\(figure)x) were not meaningfully") {
            require(quotes(figure, processes.speedup) && processes.speedup < worthwhile, "processes (\(figure)x) not faster")
        }
        if reason.contains("faster than threads (") {
            let over = numbers(after: "faster than threads (", in: reason)
            let versus = numbers(after: "x vs ", in: reason)
            require(over.count == 1 && versus.count == 1 && quotes(over[0], processes.speedup)
                    && quotes(versus[0], threads.speedup) && processes.speedup > threads.speedup,
                    "processes faster than threads")
        }
        for figure in numbers(after: "threads' ", in: reason) {
            require(quotes(figure, threads.speedup), "threads' \(figure)x")
        }
        if noise {
            require((held ?? 0) >= 0.9 && threads.parallelism < 1.2, "threads' speedup called noise")
        }

        // The threads' CPU and the GIL.
        for figure in numbers(after: "the CPU ran ", in: reason) + numbers(after: "the CPU at ", in: reason) {
            require(quotes(figure, threads.parallelism), "the CPU ran \(figure)x wall")
        }
        if reason.contains("the GIL serialised the work") {
            require((held ?? 0) >= CompareAnalysis.gilSerialises && threads.parallelism < 1.3,
                    "the GIL serialised the work (held \(held.map { String($0) } ?? "untraced"))")
        }
        for phrase in ["GIL held ", "GIL held only "] {
            for figure in numbers(after: phrase, in: reason) {
                require(held.map { String(format: "%.0f", $0 * 100) == figure } ?? false, "\(phrase)\(figure)%")
            }
        }
        if reason.contains("releases the GIL") {
            require(threads.parallelism >= 1.3, "the work releases the GIL at \(threads.parallelism) cores")
        }
        if reason.contains("the GIL is free") || reason.contains("waited on something else") {
            require((held ?? 0) < CompareAnalysis.gilSerialises, "the GIL was free (held \(held ?? 0))")
        }
        for figure in numbers(after: "they waited ", in: reason) {
            require(threads.runDelayS.map { CompareAnalysis.seconds($0).hasPrefix(figure) } == true, "threads waited \(figure) for a CPU")
        }
        for figure in numbers(after: "our processes waited ", in: reason) {
            require(processes.runDelayS.map { CompareAnalysis.seconds($0).hasPrefix(figure) } == true, "processes waited \(figure) for a CPU")
        }
        if reason.contains("the GIL was not traced") { require(held == nil, "the GIL was not traced") }
        if reason.contains("ran one at a time") { require(threads.parallelism < 1.3, "threads ran one at a time") }
        for figure in numbers(after: "mostly waits (CPU ", in: reason) {
            let share = threads.cpuS / max(threads.wallS, 1e-9)
            require(share < 0.5 && String(format: "%.0f", share * 100) == figure
                    && (threads.runDelayS ?? 0) < 0.25 * threads.wallS, "mostly waits (CPU \(figure)%)")
        }
        if reason.contains("pickling results dominated") {
            let perTask = Double(processes.pickledBytesBack ?? 0) / Double(max(tasks, 1))
            require(perTask >= 1_000_000 && processes.speedup < threads.speedup, "pickling results dominated")
        }

        // The machine.
        for (run, mode) in [("thread", threads), ("process", processes)] {
            guard let range = reason.firstRange(of: "free during the \(run) run") else { continue }
            let figure = reason[..<range.lowerBound].split(separator: "only ", omittingEmptySubsequences: false).last
                .flatMap { numbers(after: "", in: $0).first }
            require(figure != nil && mode.coresFree.map { String(format: "%.1f", $0) == figure } == true
                    && (mode.coresFree ?? 2) < CompareAnalysis.parallelCores,
                    "only \(figure ?? "?") cores free during the \(run) run (measured \(mode.coresFree.map { String($0) } ?? "nothing"))")
        }
        if reason.contains("processes could not run in parallel") {
            require((processes.coresFree ?? 2) < CompareAnalysis.parallelCores && processes.parallelism < CompareAnalysis.parallelCores,
                    "processes could not run in parallel (they kept \(processes.parallelism) cores busy)")
        }
        for figure in numbers(after: "so their ", in: reason) where reason.contains("so their \(figure)x over serial is not from parallelism") {
            require(quotes(figure, processes.speedup) && reason.contains("processes could not run in parallel"),
                    "their \(figure)x over serial is not from parallelism")
        }
        if reason.contains("threads could not run in parallel") {
            require((threads.coresFree ?? 2) < CompareAnalysis.parallelCores, "threads could not run in parallel")
        }
        if reason.contains("no pool could run in parallel") { require((cores ?? 2) < 2, "no pool could run in parallel") }
        for figure in numbers(after: "other processes kept ", in: reason) {
            let busy = (processes.otherCpuS ?? -1) / max(processes.wallS, 1e-9)
            require(String(format: "%.1f", busy) == figure, "other processes kept \(figure) cores busy")
        }
        return found
    }

    /// The decimal numbers that follow each occurrence of `prefix` ("1.23" in "…were 1.23x faster").
    static func numbers(after prefix: String, in text: some StringProtocol) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let range = prefix.isEmpty ? rest.startIndex..<rest.startIndex : rest.firstRange(of: prefix) {
            let tail = rest[range.upperBound...]
            let figure = tail.prefix { $0.isNumber || $0 == "." }
            if !figure.isEmpty { found.append(String(figure)) }
            if prefix.isEmpty { break }
            rest = tail
        }
        return found
    }
}
