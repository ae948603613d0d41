import PyInspectCore
import Testing

@Suite struct RunTargetParsingTests {
    @Test func scriptWithArguments() throws {
        let target = try RunTarget.parse(["app.py", "-v", "--x=1"])
        #expect(target == RunTarget(kind: .script, value: "app.py", arguments: ["-v", "--x=1"]))
        #expect(target.pythonArgv(program: "py") == ["py", "app.py", "-v", "--x=1"])
    }

    @Test func moduleAndCode() throws {
        #expect(try RunTarget.parse(["-m", "http.server", "0"]) == RunTarget(kind: .module, value: "http.server", arguments: ["0"]))
        #expect(try RunTarget.parse(["-c", "pass", "a"]).pythonArgv(program: "py") == ["py", "-c", "pass", "a"])
    }

    @Test(arguments: [[String](), ["-m"], ["-c", ""], ["--nope", "x.py"], ["-x"]])
    func rejected(words: [String]) {
        #expect(throws: UsageError.self) { try RunTarget.parse(words) }
    }

    @Test func doubleDashStartsAScript() throws {
        #expect(try RunTarget.parse(["--", "-weird.py"]).value == "-weird.py")
    }
}
