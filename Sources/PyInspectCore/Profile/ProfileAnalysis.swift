/// The `profile` section from ProfileStacks alone: pure, unit-tested on hand-built stacks.
///
/// Self and total fractions are of the run's active samples (`cpu` and `gil_wait`: the thread wanted to run);
/// `off_cpu` samples (sleeping, blocked in I/O or on a lock) are idle there, as in py-spy without `--idle`, so
/// a sleeping thread is never "hot". The cpu / gil_wait / off_cpu splits count every sample, idle ones too.
public enum ProfileAnalysis {
    /// Functions and lines listed in the report at most (the terminal shows fewer).
    public static let listLimit = 200

    public static func section(_ stacks: ProfileStacks, dropped: Int = 0, ticks: Int = 0, missedTicks: Int = 0) -> ProfileSection {
        let all = stacks.stacks.reduce(0) { $0 + $1.count }
        let total = stacks.stacks.reduce(0) { $0 + ($1.state == .offCPU ? 0 : $1.count) }
        return ProfileSection(
            rateHz: stacks.rateHz, samples: all, activeSamples: total, droppedSamples: dropped, ticks: ticks,
            missedTicks: missedTicks,
            functions: functions(stacks, total: total), threads: threads(stacks), tasks: tasks(stacks, total: total),
            lines: lines(stacks, total: total))
    }

    private struct FunctionKey: Hashable {
        var function: String
        var file: String
    }

    private struct Counts {
        var selfCount = 0, total = 0, all = 0
        var states: [SampleState: Int] = [:]
        var firstLine: Int?
        var minLine = Int.max
    }

    static func fraction(_ part: Int, _ whole: Int) -> Double {
        whole > 0 ? rounded(Double(part) / Double(whole)) : 0
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    static func split(_ states: [SampleState: Int], of whole: Int) -> StateSplit {
        StateSplit(cpu: fraction(states[.cpu] ?? 0, whole), gilWait: fraction(states[.gilWait] ?? 0, whole),
                   offCPU: fraction(states[.offCPU] ?? 0, whole))
    }

    static func functions(_ stacks: ProfileStacks, total: Int) -> [ProfileFunction] {
        var counts: [FunctionKey: Counts] = [:]
        for stack in stacks.stacks {
            var seen = Set<FunctionKey>()
            for frame in stack.frames {
                let key = FunctionKey(function: frame.function, file: frame.file)
                var entry = counts[key] ?? Counts()
                if let first = frame.firstLine { entry.firstLine = first }
                entry.minLine = min(entry.minLine, frame.line)
                if seen.insert(key).inserted {   // recursion counts once per sample
                    if stack.state != .offCPU { entry.total += stack.count }
                    entry.all += stack.count
                    entry.states[stack.state, default: 0] += stack.count
                }
                counts[key] = entry
            }
            if stack.state != .offCPU, let innermost = stack.frames.last {
                counts[FunctionKey(function: innermost.function, file: innermost.file)]?.selfCount += stack.count
            }
        }
        let sorted = counts.sorted { a, b in
            if a.value.selfCount != b.value.selfCount { return a.value.selfCount > b.value.selfCount }
            if a.value.total != b.value.total { return a.value.total > b.value.total }
            if a.value.all != b.value.all { return a.value.all > b.value.all }
            return (a.key.file, a.key.function) < (b.key.file, b.key.function)
        }
        return sorted.prefix(listLimit).map { key, value in
            let states = split(value.states, of: value.all)
            return ProfileFunction(
                function: key.function, file: key.file, line: value.firstLine ?? value.minLine,
                selfFraction: fraction(value.selfCount, total), totalFraction: fraction(value.total, total),
                cpuFraction: states.cpu, gilWaitFraction: states.gilWait, offCPUFraction: states.offCPU)
        }
    }

    static func threads(_ stacks: ProfileStacks) -> [ProfileThread] {
        var order: [Int] = []
        var names: [Int: String] = [:]
        var counts: [Int: [SampleState: Int]] = [:]
        for stack in stacks.stacks {
            if names[stack.nativeID] == nil {
                order.append(stack.nativeID)
                names[stack.nativeID] = stack.thread
            }
            counts[stack.nativeID, default: [:]][stack.state, default: 0] += stack.count
        }
        return order.map { id in
            let states = counts[id] ?? [:]
            let samples = states.values.reduce(0, +)
            let split = split(states, of: samples)
            return ProfileThread(
                name: names[id] ?? "", nativeId: id, samples: samples, cpuFraction: split.cpu,
                gilWaitFraction: split.gilWait, offCPUFraction: split.offCPU)
        }.sorted { $0.samples != $1.samples ? $0.samples > $1.samples : $0.nativeId < $1.nativeId }
    }

    static func tasks(_ stacks: ProfileStacks, total: Int) -> [ProfileTask] {
        struct TaskKey: Hashable {
            var name: String
            var coroutine: String?
        }
        var counts: [TaskKey: Int] = [:]
        for stack in stacks.stacks where stack.state != .offCPU {
            guard let task = stack.task else { continue }
            counts[TaskKey(name: task, coroutine: stack.coroutine), default: 0] += stack.count
        }
        return counts.map { key, count in
            ProfileTask(name: key.name, coroutine: key.coroutine, samples: count, totalFraction: fraction(count, total))
        }.sorted { $0.samples != $1.samples ? $0.samples > $1.samples : $0.name < $1.name }
    }

    /// The user's own code: not the standard library, site-packages, frozen modules or pyinspect's helpers.
    public static func isUserFile(_ file: String) -> Bool {
        if file.hasPrefix("<") { return file == "<string>" || file == "<stdin>" }
        return !(file.contains("/lib/python3") || file.contains("/site-packages/") || file.contains("/dist-packages/")
            || file.contains("/_pyinspect/") || file.contains("/pyscripts/pyinspect/"))
    }

    static func lines(_ stacks: ProfileStacks, total: Int) -> [ProfileLine] {
        struct LineKey: Hashable {
            var file: String
            var line: Int
            var function: String
        }
        var counts: [LineKey: [SampleState: Int]] = [:]
        for stack in stacks.stacks {
            guard let frame = stack.frames.last(where: { isUserFile($0.file) }) else { continue }
            counts[LineKey(file: frame.file, line: frame.line, function: frame.function), default: [:]][stack.state, default: 0] += stack.count
        }
        // Ranked by active samples; lines where the code only ever waited off CPU are left out.
        typealias Ranked = (key: LineKey, states: [SampleState: Int], active: Int)
        var ranked: [Ranked] = []
        for (key, states) in counts {
            let active = (states[.cpu] ?? 0) + (states[.gilWait] ?? 0)
            if active > 0 { ranked.append((key, states, active)) }
        }
        ranked.sort { a, b in
            if a.active != b.active { return a.active > b.active }
            return a.key.file != b.key.file ? a.key.file < b.key.file : a.key.line < b.key.line
        }
        return ranked.prefix(listLimit).map { key, states, active in
            let split = split(states, of: states.values.reduce(0, +))
            return ProfileLine(
                file: key.file, line: key.line, function: key.function, fraction: fraction(active, total),
                cpuFraction: split.cpu, gilWaitFraction: split.gilWait, offCPUFraction: split.offCPU)
        }
    }
}
