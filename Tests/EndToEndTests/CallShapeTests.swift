import Testing

/// `leaks` calls `function()`, `compare` calls `function(i)`: a function that cannot take that call is a usage
/// mistake (exit 64, one line saying how it is called and what to do), found from its signature before any call,
/// never the target's TypeError reported as the target raising (67).
@Suite struct CallShapeTests {
    let functions = BinaryHarness.fixture("call_shape/functions.py")

    @Test(arguments: [
        ("needs_size", "leaks calls needs_size() with no arguments, but needs_size(size) needs 'size': wrap it in a function that takes none, e.g. def call(): needs_size(...)"),
        ("needs_size_later", "leaks calls needs_size() with no arguments, but needs_size(size) needs 'size'"),
        ("builtin_len", "leaks calls len() with no arguments, but len(obj, /) needs 'obj'"),
    ])
    func leaksRejectsAFunctionThatNeedsArguments(function: String, expected: String) throws {
        let result = try BinaryHarness.run(["leaks", "\(functions):\(function)"], json: true)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("pyinspect: error: \(expected)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.report == nil, "no report: nothing was measured")
    }

    /// Defaults, *args and builtins with no known signature are called as they are.
    @Test(arguments: ["sized", "any_arguments", "builtin_print"])
    func leaksCallsFunctionsThatTakeNoArguments(function: String) throws {
        let result = try BinaryHarness.run(["leaks", "--quiet", "\(functions):\(function)"], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.report?["verdict"] as? String == "clean")
    }

    @Test(arguments: [
        ("no_arguments", "compare calls no_arguments(i) with one integer i (0 <= i < --tasks), but no_arguments() takes none: wrap it in a module-level function of one argument, e.g. def task(i): no_arguments(...)"),
        ("keyword_only", "compare calls keyword_only(i) with one integer i (0 <= i < --tasks), but keyword_only(i, *, scale) needs 'scale'"),
    ])
    func compareRejectsAFunctionThatCannotTakeOneInteger(function: String, expected: String) throws {
        let result = try BinaryHarness.run(["compare", "\(functions):\(function)"], json: true)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("pyinspect: error: \(expected)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test(arguments: ["one_item", "any_arguments"])
    func compareCallsFunctionsOfOneArgument(function: String) throws {
        let result = try BinaryHarness.run(
            ["compare", "--quiet", "--tasks", "2", "--workers", "1", "--rounds", "1", "--start-method", "fork",
             "\(functions):\(function)"], json: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.report?["compare"] != nil)
    }
}
