import PyInspectCore
import Testing

/// The fast path must take only command lines it fully understands; everything else goes to ArgumentParser.
@Suite struct RunFastPathTests {
    @Test func takesTheCommonForms() {
        let request = RunFastPath.request(from: ["run", "--quiet", "--json", "r.json", "--timeout=2.5", "app.py", "--json", "x"])
        #expect(request?.quiet == true)
        #expect(request?.jsonPath == "r.json")
        #expect(request?.timeoutSeconds == 2.5)
        // Options after the target belong to the target.
        #expect(request?.target == RunTarget(kind: .script, value: "app.py", arguments: ["--json", "x"]))
        #expect(RunFastPath.request(from: ["run", "-m", "pkg", "-v"])?.target.kind == .module)
        #expect(RunFastPath.request(from: ["run", "a.py"])?.profile == nil)
    }

    @Test func takesProfilesOptions() {
        let request = RunFastPath.request(from: [
            "profile", "--rate", "250", "--html=f.html", "--speedscope", "s.json", "--collapsed", "c.folded", "--quiet",
            "-m", "json.tool", "--rate", "9",
        ])
        #expect(request?.command == "profile")
        #expect(request?.quiet == true)
        #expect(request?.profile == ProfileOptions(rateHz: 250, htmlPath: "f.html", speedscopePath: "s.json", collapsedPath: "c.folded"))
        #expect(request?.target == RunTarget(kind: .module, value: "json.tool", arguments: ["--rate", "9"]))
        #expect(RunFastPath.request(from: ["profile", "a.py"])?.profile == ProfileOptions())
    }

    @Test(arguments: [
        ["leaks", "x.py:f"], ["run"], ["run", "--help"], ["run", "--timeout", "0", "a.py"],
        ["run", "--timeout", "soon", "a.py"], ["run", "--timeout", "1e12", "a.py"], ["run", "--json"], ["run", "--quiet=yes", "a.py"],
        ["run", "--unknown", "a.py"], ["run", "-x", "a.py"], ["run", "--json=", "a.py"],
        ["run", "--rate", "100", "a.py"], ["profile", "--rate", "0", "a.py"], ["profile", "--rate", "nan", "a.py"],
        ["profile", "--rate", "20000", "a.py"], ["profile", "--rate"], ["profile", "--html", "--quiet", "a.py"],
        ["profile", "-h"], ["profile", "--help"], ["profile", "--junit", "j.xml", "a.py"], ["profile"],
    ])
    func leavesEverythingElseToArgumentParser(arguments: [String]) {
        #expect(RunFastPath.request(from: arguments) == nil)
    }
}
