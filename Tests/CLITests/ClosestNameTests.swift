import Testing

@testable import pyinspect

/// "Did you mean …?": typos find the name meant; unrelated words find nothing.
@Suite struct ClosestNameTests {
    static let commands = ["run", "leaks", "gil", "compare", "test", "deps"]

    @Test(arguments: [
        ("rn", "run"), ("rnu", "run"), ("urn", "run"), ("lekas", "leaks"), ("leak", "leaks"), ("gill", "gil"),
        ("comapre", "compare"), ("tset", "test"), ("dpes", "deps"), ("dep", "deps"), ("tests", "test"), ("Run", "run"),
    ])
    func typosFindTheCommandMeant(typed: String, meant: String) {
        #expect(ClosestName.suggestion(for: typed, among: Self.commands) == meant)
    }

    @Test(arguments: ["frobnicate", "x.py", "", "profile", "r", "xyz"])
    func unrelatedWordsFindNothing(typed: String) {
        #expect(ClosestName.suggestion(for: typed, among: Self.commands) == nil)
    }

    @Test func distanceCountsASwapAsOneEdit() {
        #expect(ClosestName.distance("run", "run") == 0)
        #expect(ClosestName.distance("rnu", "run") == 1)
        #expect(ClosestName.distance("", "gil") == 3)
        #expect(ClosestName.distance("kitten", "sitting") == 3)
    }

    @Test func optionsAreReadFromTheCommandsOwnHelp() {
        let options = ClosestName.longOptions(inHelp: PyInspectCommand.Run.helpMessage(columns: 200))
        for expected in ["--json", "--junit", "--quiet", "--timeout", "--gil", "--memory-limit", "--no-hangs", "--help"] {
            #expect(options.contains(expected), "\(options)")
        }
        #expect(!options.contains("--"))
    }
}
