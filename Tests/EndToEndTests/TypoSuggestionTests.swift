import Testing

/// A newcomer's typo gets one line naming what was probably meant, exit 64 (usage), and nothing runs.
@Suite struct TypoSuggestionTests {
    @Test(arguments: [
        (["rn", "x.py"], "pyinspect: error: unknown command 'rn' — did you mean 'run'?\n"),
        (["lekas", "x.py:f"], "pyinspect: error: unknown command 'lekas' — did you mean 'leaks'?\n"),
        (["run", "--jsn", "r.json", "-c", "pass"], "pyinspect: error: unknown option '--jsn' — did you mean '--json'?\n"),
        (["gil", "--htm", "g.html", "-c", "pass"], "pyinspect: error: unknown option '--htm' — did you mean '--html'?\n"),
        (["leaks", "--jsn", "r.json", "x.py:f"], "pyinspect: error: unknown option '--jsn' — did you mean '--json'?\n"),
        (["compare", "--taks", "4", "x.py:f"], "pyinspect: error: unknown option '--taks' — did you mean '--tasks'?\n"),
        (["dpes"], "pyinspect: error: unknown command 'dpes' — did you mean 'deps'?\n"),  // issue 19
        (["deps", "--jsno", "r.json", "x.py"], "pyinspect: error: unknown option '--jsno' — did you mean '--json'?\n"),
        (["x.py"], "pyinspect: error: unknown command 'x.py' — to run a script: pyinspect run x.py\n"),
    ] as [([String], String)])
    func typoGetsTheClosestName(vector: [String], expected: String) throws {
        let result = try BinaryHarness.run(vector)
        #expect(result.status == 64)
        #expect(result.stderr == expected)
        #expect(result.stdout == "")
    }
}
