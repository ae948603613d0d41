/// The leak verdict: a pure function over the per-call levels of one signal. No threshold to pick: a signal
/// leaks when every quarter of the measured calls sets a new high, for long enough that a cache still filling
/// would have been seen to level off; it is flat once it has stayed under its high for longer than it took to reach
/// it (warm-up calls included), than twice the longest wait between two highs, and — when the series rose after it
/// had already held still (a step, not a first-call jump) — than `sporadicPlateau` calls: a leak on every 25th
/// call looks like a late lazy initialisation until its second step.
public enum LeakTrend: String, Codable, Sendable, Equatable {
    case growing, flat, undecided
}

public struct LeakPolicy: Sendable, Equatable {
    /// Calls made before the baseline (lazy initialisation, first-use caches). The hunt measures after the
    /// last one only: the measurement after the first ones differs from any later one (the inspector's own first
    /// round trip), and a baseline above the later levels would hide a later step.
    public var warmupCalls = 3
    /// Fewest measured calls before any verdict.
    public var minCalls = 10
    /// Fewest calls a plateau must last before the signal is called flat.
    public var minPlateau = 10
    /// Fewest calls a plateau must last after a step that came once the series had held still: a leak that
    /// happens once every N calls (N up to about this) is seen to step again before it is called flat.
    public var sporadicPlateau = 60
    /// Fewest measured calls before an exact count is called flat: a leak that steps once every N calls, N up
    /// to this, steps at least once before the verdict (then `sporadicPlateau` waits for the next step).
    public var exactMinCalls = 40
    /// Measured calls after which growth sustained over every quarter is a leak without waiting for the budget.
    public var leakCalls = 150
    /// Seconds of hunting (calls and measurements) after which whatever is still undecided is decided.
    public var budgetSeconds = 2.5
    /// At most this many measured calls.
    public var maxCalls = 600
    /// `--calls N`: measure at least this many calls whatever the verdict (to soak the target, or the
    /// inspector itself); raises `maxCalls` to match.
    public var callsAtLeast = 0
    public init() {}
}

public enum LeakVerdict {
    /// Indices (1-based into `levels`) where the level exceeds everything before it.
    public static func records(_ levels: [Int64]) -> [Int] {
        guard var high = levels.first else { return [] }
        var found: [Int] = []
        for index in levels.indices.dropFirst() where levels[index] > high {
            high = levels[index]
            found.append(index)
        }
        return found
    }

    /// Every quarter of the measured calls (levels[1...]) sets a new high, and the last quarter rises by at least
    /// a quarter of what a quarter typically rose (the median): a cache that filled over the first half and then
    /// moved by one block late on is not growing.
    public static func sustained(_ levels: [Int64]) -> Bool {
        let calls = levels.count - 1
        guard calls >= 8, var high = levels.first else { return false }
        var rises: [Int64] = []
        for quarter in 0..<4 {
            let lower = 1 + quarter * calls / 4
            let upper = (quarter + 1) * calls / 4
            guard lower <= upper, let top = levels[lower...upper].max(), top > high else { return false }
            rises.append(top - high)
            high = top
        }
        let sorted = rises.sorted()
        let median = Double(sorted[1] + sorted[2]) / 2
        return Double(rises[3]) * 4 >= median
    }

    /// `levels[0]` is the baseline after warm-up, then one level per measured call. `final`: the budget is spent.
    /// `exact`: a count with no allocator noise (objects, references, descriptors, threads, tasks), where a step
    /// after a still stretch is evidence worth waiting on; byte signals step on their own (arena and chunk reuse).
    public static func trend(_ levels: [Int64], final: Bool, policy: LeakPolicy = LeakPolicy(), exact: Bool = false)
        -> LeakTrend
    {
        let calls = levels.count - 1
        guard calls >= 1 else { return final ? .flat : .undecided }
        let recordIndices = records(levels)
        let last = recordIndices.last ?? 0
        if sustained(levels) && calls >= policy.leakCalls { return .growing }
        // Cut short by the budget: a series that stopped setting highs since its last record for longer than it
        // used to take between them is a cache that just filled (a budget spent at call 71 by a cache full at
        // 64), not a leak.
        if sustained(levels) && final && calls - last <= max(3, 2 * medianGap(recordIndices)) { return .growing }
        // The budget spent (a loaded machine, a slow call) while an exact count stepped at least three times
        // after a still stretch, the last step no longer ago than two of its usual spacings: a leak every N calls
        // whose first quarter had no step yet.
        let steps = recordIndices.filter { $0 > 1 }
        if exact && final && steps.count >= 3 && calls - last <= 2 * medianGap(steps) { return .growing }
        let minCalls = exact ? max(policy.minCalls, policy.exactMinCalls) : policy.minCalls
        if calls >= minCalls && calls - last >= plateauNeeded(recordIndices, policy: policy, exact: exact) { return .flat }
        return final ? .flat : .undecided
    }

    /// How many calls the series must stay under its last high to be flat: longer than it took to reach it
    /// (counting the warm-up calls, which also ran towards it), twice the longest wait between highs, and
    /// `sporadicPlateau` after a step that followed a still stretch (a first-call jump is lazy initialisation).
    static func plateauNeeded(_ recordIndices: [Int], policy: LeakPolicy, exact: Bool = false) -> Int {
        guard let last = recordIndices.last else { return policy.minPlateau }
        var needed = max(policy.minPlateau, last + policy.warmupCalls + 1, 2 * maxGap(recordIndices))
        if exact && recordIndices.contains(where: { $0 > 1 }) && !consecutive(recordIndices) {
            needed = max(needed, policy.sporadicPlateau)
        }
        return needed
    }

    /// The longest wait between consecutive highs (0 with fewer than two).
    static func maxGap(_ recordIndices: [Int]) -> Int {
        zip(recordIndices.dropFirst(), recordIndices).map { $0 - $1 }.max() ?? 0
    }

    /// Highs on consecutive calls from the first measured call on: a cache filling with a new key per call.
    static func consecutive(_ recordIndices: [Int]) -> Bool {
        recordIndices.enumerated().allSatisfy { $0.element == $0.offset + 1 }
    }

    /// The median number of calls between consecutive records (1 when there are fewer than two).
    static func medianGap(_ recordIndices: [Int]) -> Int {
        let gaps = zip(recordIndices.dropFirst(), recordIndices).map { $0 - $1 }.sorted()
        return gaps.isEmpty ? 1 : gaps[gaps.count / 2]
    }

    /// The signals counted exactly (see `trend`'s `exact`).
    public static let exactSignals: Set<String> = ["objects", "references", "fds", "threads", "tasks", "connections"]

    /// Calls between steps of the slowest-stepping exact signal among `series` (name, levels): how many calls
    /// attribution must watch to see a leak that happens once every N calls step a few times. 1 when none.
    public static func stepPeriod(_ series: [(String, [Int64])]) -> Int {
        series.filter { exactSignals.contains($0.0) }.map { medianGap(records($0.1)) }.max() ?? 1
    }

    /// Growth per measured call from the baseline to the last level.
    public static func growthPerCall(_ levels: [Int64]) -> Double {
        guard let first = levels.first, let last = levels.last, levels.count > 1 else { return 0 }
        return Double(last - first) / Double(levels.count - 1)
    }
}
