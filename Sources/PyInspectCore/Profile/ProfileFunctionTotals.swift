/// Per function (name and file), what the HTML page's top-functions table shows: samples with the function on
/// top of the stack (self) and anywhere in it (total, once per sample under recursion), and the state split of
/// its total samples. Pure and thread-safe.
struct ProfileFunctionTotals: Equatable {
    var function: String
    var file: String
    var selfSamples = 0
    var totalSamples = 0
    var cpu = 0
    var gilWait = 0
    var offCPU = 0

    /// Every function of `stacks`, by self samples then total samples (most first), then by name.
    static func of(_ stacks: ProfileStacks) -> [ProfileFunctionTotals] {
        struct Key: Hashable { var function: String; var file: String }
        var totals: [Key: ProfileFunctionTotals] = [:]
        for stack in stacks.stacks where stack.count > 0 {
            var seen = Set<Key>()
            for frame in stack.frames {
                let key = Key(function: frame.function, file: frame.file)
                guard seen.insert(key).inserted else { continue }
                var entry = totals[key] ?? ProfileFunctionTotals(function: frame.function, file: frame.file)
                entry.totalSamples += stack.count
                switch stack.state {
                case .cpu: entry.cpu += stack.count
                case .gilWait: entry.gilWait += stack.count
                case .offCPU: entry.offCPU += stack.count
                }
                totals[key] = entry
            }
            if let leaf = stack.frames.last {
                totals[Key(function: leaf.function, file: leaf.file)]?.selfSamples += stack.count
            }
        }
        return totals.values.sorted {
            ($0.selfSamples, $0.totalSamples, $1.function, $1.file) > ($1.selfSamples, $1.totalSamples, $0.function, $0.file)
        }
    }
}
