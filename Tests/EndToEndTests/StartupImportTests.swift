import Foundation
import Testing

/// Start-up (issue 14): the helpers every `run` imports come from their cached bytecode without importlib's path
/// machinery (PythonHelper.preload), and are the modules importlib would have made.
@Suite struct StartupImportTests {
    @Test func startUpHelpersAreLoadedFromTheirCacheWithoutTheImportSystem() throws {
        // GIVEN the helpers' bytecode cached by an earlier run
        let warm = try BinaryHarness.run(["run", "--quiet", "-c", "pass"])
        #expect(warm.status == 0, "\(warm.stderr)")
        // WHEN a run reports every import that goes through the import system (-X importtime, on stderr)
        let code = """
            import sys; host = sys.modules['_pyinspect.host']; spec = host.__spec__
            print(spec.name, spec.origin == host.__file__, spec.cached.endswith('host.cpython-311.pyc'), \
            host.capture is sys.modules['_pyinspect.capture'], host.__package__)
            """
        let result = try BinaryHarness.run(
            ["run", "--quiet", "-c", code], environment: ["PYTHONPROFILEIMPORTTIME": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        // THEN the helpers are proper modules of the package
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "_pyinspect.host True True True _pyinspect")
        // AND none went through the import system, which Python's own start-up still does (site)
        #expect(result.stderr.contains("| site"), "\(result.stderr)")
        for helper in ["host", "capture", "fastjson", "hangs", "threads", "target_check", "gc_stats", "import_hooks"] {
            #expect(!result.stderr.contains("_pyinspect.\(helper)\n"), "\(helper) imported through importlib")
        }
    }
}
