import Testing

@testable import PyInspectCore

/// The leak verdict on hand-made series: no Python involved.
@Suite struct LeakVerdictTests {
    let policy = LeakPolicy()

    func series(_ calls: Int, _ level: (Int) -> Int64) -> [Int64] {
        (0...calls).map(level)
    }

    @Test func aLeakOnEveryCallGrowsOnceEnoughCallsAreSeen() {
        let levels = series(policy.leakCalls) { Int64(1000 + 3 * $0) }
        #expect(LeakVerdict.trend(levels, final: false, policy: policy) == .growing)
        // Too early to tell a leak from a cache still filling.
        let early = Array(levels.prefix(60))
        #expect(LeakVerdict.trend(early, final: false, policy: policy) == .undecided)
    }

    @Test func aLeakOnEveryThirdCallGrows() {
        let levels = series(policy.leakCalls) { Int64(500 + ($0 / 3) * 2) }
        #expect(LeakVerdict.trend(levels, final: false, policy: policy) == .growing)
    }

    @Test func aCacheFillingForSixtyCallsIsFlatOnceItHasStayedFlatAsLong() {
        let levels = series(130) { Int64(100 + min($0, 60)) }
        #expect(LeakVerdict.trend(Array(levels.prefix(100)), final: false, policy: policy) == .undecided)
        #expect(LeakVerdict.trend(levels, final: false, policy: policy) == .flat)
        #expect(!LeakVerdict.sustained(levels))
    }

    @Test func lazyInitialisationAndNoiseAreFlat() {
        let lazy = series(12) { $0 == 0 ? 100 : 180 }
        #expect(LeakVerdict.trend(lazy, final: false, policy: policy) == .flat)
        let noise: [Int64] = [50, 52, 49, 51, 50, 52, 48, 50, 51, 49, 50, 52, 50, 51, 49, 50, 52, 50, 49, 51, 50]
        #expect(LeakVerdict.trend(noise, final: false, policy: policy) == .flat)
    }

    @Test func aLateBlipDelaysButDoesNotMakeALeak() {
        var levels = series(200) { _ in 1000 }
        for index in 80...200 { levels[index] = 1003 }
        #expect(LeakVerdict.trend(Array(levels.prefix(150)), final: false, policy: policy) == .undecided)
        #expect(LeakVerdict.trend(levels, final: false, policy: policy) == .flat)
    }

    @Test func theBudgetDecidesWhatIsLeft() {
        let growing = series(40) { Int64(10 * $0) }
        #expect(LeakVerdict.trend(growing, final: false, policy: policy) == .undecided)
        #expect(LeakVerdict.trend(growing, final: true, policy: policy) == .growing)
        let stoppedGrowing = series(40) { Int64(min($0, 25)) }
        #expect(LeakVerdict.trend(stoppedGrowing, final: true, policy: policy) == .flat)
    }

    /// Under pytest each call is slow: the budget ran out at call 71 with a maxsize=64 cache full at 64.
    @Test func aCacheThatFilledJustBeforeTheBudgetIsNotALeak() {
        let justFilled = series(71) { Int64(1000 + 100 * min($0, 64)) }
        #expect(LeakVerdict.trend(justFilled, final: true, policy: policy) == .flat)
        // A leak on every third call still is one when the budget cuts it short.
        let everyThird = series(71) { Int64(1000 + 100 * ($0 / 3)) }
        #expect(LeakVerdict.trend(everyThird, final: true, policy: policy) == .growing)
    }

    /// Seen under pytest: a jump at the first measured call, a cache filling to call 78, flat, then one block
    /// more at call 132 — every quarter "sets a high", but the last one by 1 block where quarters rose by dozens.
    @Test func aOneBlockBlipAfterAFilledCacheIsNotALeak() {
        let levels = series(152) { call in
            if call == 0 { return 0 }
            return 1316 + Int64(min(call, 78)) * 1_5 / 10 + (call >= 132 ? 1 : 0)
        }
        #expect(LeakVerdict.sustained(levels) == false)
        #expect(LeakVerdict.trend(levels, final: false, policy: policy) != .growing)
        // The same start followed by a steady leak still is one.
        let leaking = series(152) { call in call == 0 ? 0 : 1316 + Int64(call) }
        #expect(LeakVerdict.trend(leaking, final: false, policy: policy) == .growing)
    }

    /// Issue 20: one object every 25th call (first step at measured call 23, the warm-up ran calls 1-2).
    @Test func aLeakOnEvery25thCallIsNotCalledFlatBetweenItsSteps() {
        let levels = series(policy.leakCalls) { call in Int64(800 + (call + 2) / 25) }
        for calls in stride(from: 24, to: policy.leakCalls, by: 1) {
            let prefix = Array(levels.prefix(calls + 1))
            #expect(LeakVerdict.trend(prefix, final: false, policy: policy, exact: true) == .undecided, "at \(calls)")
        }
        #expect(LeakVerdict.trend(levels, final: false, policy: policy, exact: true) == .growing)
        // Whatever the phase: a first step at call 3 is not a lazy initialisation until 60 still calls say so.
        let early = series(policy.leakCalls) { call in Int64(800 + (call + 22) / 25) }
        #expect(LeakVerdict.trend(Array(early.prefix(14)), final: false, policy: policy, exact: true) == .undecided)
        #expect(LeakVerdict.trend(Array(early.prefix(28)), final: false, policy: policy, exact: true) == .undecided)
        #expect(LeakVerdict.trend(early, final: false, policy: policy, exact: true) == .growing)
        // The budget spent at call 80 (a loaded machine): three steps, the first quarter without one.
        #expect(LeakVerdict.trend(Array(levels.prefix(81)), final: true, policy: policy, exact: true) == .growing)
        #expect(LeakVerdict.trend(Array(levels.prefix(81)), final: true, policy: policy, exact: false) == .flat)
        // Two steps are not enough to tell from two late lazy initialisations.
        #expect(LeakVerdict.trend(Array(levels.prefix(60)), final: true, policy: policy, exact: true) == .flat)
        // The budget spent at call 100 still sees four steps, one per quarter.
        #expect(LeakVerdict.trend(Array(levels.prefix(101)), final: true, policy: policy, exact: true) == .growing)
    }

    @Test func aLateStepThenStillnessIsFlatAfterTheSporadicWait() {
        let lazy = series(100) { call in call >= 5 ? 900 : 100 }
        #expect(LeakVerdict.trend(Array(lazy.prefix(40)), final: false, policy: policy, exact: true) == .undecided)
        #expect(LeakVerdict.trend(Array(lazy.prefix(66)), final: false, policy: policy, exact: true) == .flat)
        // A byte signal steps on its own (allocator reuse): no sporadic wait.
        #expect(LeakVerdict.trend(Array(lazy.prefix(16)), final: false, policy: policy, exact: false) == .flat)
        // A jump at the first measured call is lazy initialisation, exact or not.
        let jump = series(policy.exactMinCalls) { $0 == 0 ? 100 : 180 }
        #expect(LeakVerdict.trend(Array(jump.prefix(30)), final: false, policy: policy, exact: true) == .undecided)
        #expect(LeakVerdict.trend(jump, final: false, policy: policy, exact: true) == .flat)
    }

    @Test func aCacheFillingCallAfterCallGetsNoSporadicWait() {
        let filling = series(200) { Int64(100 + min($0, 40)) }
        #expect(LeakVerdict.plateauNeeded(LeakVerdict.records(filling), policy: policy, exact: true) == 44)
        #expect(LeakVerdict.trend(Array(filling.prefix(84)), final: false, policy: policy, exact: true) == .undecided)
        #expect(LeakVerdict.trend(Array(filling.prefix(85)), final: false, policy: policy, exact: true) == .flat)
    }

    /// A leak on every 40th call whose first step comes after 30 calls: an exact count is not flat before it.
    @Test func anExactCountWaitsForASlowFirstStep() {
        let levels = series(policy.leakCalls + 20) { call in Int64(10 + (call + 8) / 40) }
        #expect(LeakVerdict.trend(Array(levels.prefix(31)), final: false, policy: policy, exact: true) == .undecided)
        #expect(LeakVerdict.trend(Array(levels.prefix(31)), final: false, policy: policy, exact: false) == .flat)
        #expect(LeakVerdict.trend(levels, final: false, policy: policy, exact: true) == .growing)
    }

    @Test func theStepPeriodOfTheSlowestExactSignal() {
        let every25 = series(150) { call in Int64((call + 2) / 25) }
        let everyCall = series(150) { Int64($0) }
        #expect(LeakVerdict.stepPeriod([("objects", every25), ("blocks", everyCall)]) == 25)
        #expect(LeakVerdict.stepPeriod([("blocks", every25)]) == 1)
        #expect(LeakVerdict.stepPeriod([("references", everyCall)]) == 1)
    }

    @Test func growthPerCallAndRecords() {
        #expect(LeakVerdict.growthPerCall([10, 12, 14, 16]) == 2)
        #expect(LeakVerdict.records([5, 4, 6, 6, 7]) == [2, 4])
    }

    @Test func targetSpecParsing() throws {
        let file = try LeaksRequest.parse("dir/app.py:main")
        #expect(file.kind == .file && file.value == "dir/app.py" && file.function == "main")
        let module = try LeaksRequest.parse("pkg.mod:Thing.run")
        #expect(module.kind == .module && module.value == "pkg.mod" && module.function == "Thing.run")
        #expect(throws: UsageError.self) { try LeaksRequest.parse("nofunction") }
        #expect(throws: UsageError.self) { try LeaksRequest.parse("app.py:") }
        #expect(throws: UsageError.self) { try LeaksRequest.parse("bad module:f") }
    }
}
