import Foundation
import Testing

/// `pyinspect leaks` on one fixture per case: the verdict, the kind, and for a leak that the site is a line of
/// the fixture file.
@Suite(.serialized) struct LeaksCommandTests {
    func leaks(_ fixture: String, expectStatus: Int32) throws -> [String: Any] {
        let path = BinaryHarness.fixture("leaks/\(fixture)")
        let result = try BinaryHarness.run(["leaks", "--quiet", "\(path):run"], json: true)
        #expect(result.status == expectStatus, "\(fixture): stderr: \(result.stderr)")
        return try #require(result.report, "\(fixture): no report; stderr: \(result.stderr)")
    }

    func expectLeak(_ fixture: String, kind: String, line: Int? = nil, chainRoot: String? = nil) throws {
        let report = try leaks(fixture, expectStatus: 1)
        #expect(report["verdict"] as? String == "leak", "\(fixture)")
        let found = try #require(report["leaks"] as? [[String: Any]], "\(fixture)")
        let leak = try #require(found.first { $0["kind"] as? String == kind }, "\(fixture): kinds \(found.map { $0["kind"] ?? "" })")
        let site = try #require(leak["site"] as? [String: Any], "\(fixture): no site")
        let file = try #require(site["file"] as? String)
        #expect(file == BinaryHarness.fixture("leaks/\(fixture)"), "\(fixture): site \(site)")
        let lineNumber = try #require(site["line"] as? Int)
        let source = try String(contentsOfFile: BinaryHarness.fixture("leaks/\(fixture)"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        #expect((1...source.count).contains(lineNumber), "\(fixture): line \(lineNumber)")
        if let line { #expect(lineNumber == line, "\(fixture): site line \(lineNumber): \(source[lineNumber - 1])") }
        if let chainRoot {
            let chain = leak["chain"] as? [[String: Any]] ?? []
            let root = chain.first?["repr"] as? String ?? ""
            #expect(root.contains(chainRoot), "\(fixture): chain \(chain)")
        }
        for key in ["traceback", "types", "bytes_per_call", "objects_per_call", "chain"] {
            #expect(leak[key] != nil, "\(fixture): no \(key)")
        }
    }

    func expectClean(_ fixture: String) throws {
        let report = try leaks(fixture, expectStatus: 0)
        #expect(report["verdict"] as? String == "clean", "\(fixture): \(report["leaks"] ?? "")")
        #expect((report["leaks"] as? [Any])?.isEmpty ?? true)
        let hunt = try #require(report["leak_hunt"] as? [String: Any])
        #expect((hunt["calls"] as? Int ?? 0) >= 10)
    }

    @Test func moduleLevelList() throws { try expectLeak("module_list.py", kind: "objects", line: 8, chainRoot: "module module_list") }
    @Test func unboundedDictCache() throws { try expectLeak("dict_cache.py", kind: "objects", line: 7, chainRoot: "module dict_cache") }
    @Test func loggingHandlerPerCall() throws { try expectLeak("logging_handler.py", kind: "objects") }
    @Test func listenersOnAGlobalBus() throws { try expectLeak("event_bus.py", kind: "objects", chainRoot: "module event_bus") }
    @Test func savedExcInfo() throws { try expectLeak("exc_info_saved.py", kind: "objects") }
    @Test func unboundedLruCacheOnAMethod() throws { try expectLeak("lru_method.py", kind: "objects") }
    @Test func tinyLeakInHeavyChurn() throws { try expectLeak("tiny_in_churn.py", kind: "objects", line: 8) }
    @Test func ctypesMallocNeverFreed() throws { try expectLeak("ctypes_malloc.py", kind: "native", line: 8) }
    @Test func filesOpenedAndKept() throws { try expectLeak("files_kept.py", kind: "fds", line: 4) }
    @Test func rawDescriptorsKept() throws { try expectLeak("raw_fds_kept.py", kind: "fds", line: 7) }
    @Test func threadsNeverFinished() throws { try expectLeak("threads_never_end.py", kind: "threads", line: 10) }
    @Test func asyncioTasksNeverEnding() throws { try expectLeak("tasks_never_end.py", kind: "tasks", line: 9) }
    @Test func leakOnEveryThirdCall() throws { try expectLeak("every_third_call.py", kind: "objects", line: 7) }
    @Test func closuresInACallbackList() throws { try expectLeak("closures_kept.py", kind: "objects", chainRoot: "module closures_kept") }
    @Test func classAttributeHistory() throws { try expectLeak("class_history.py", kind: "objects", line: 5, chainRoot: "class class_history.Recorder") }

    @Test func boundedLruCache() throws { try expectClean("clean_lru_bounded.py") }
    @Test func lazyInitialisation() throws { try expectClean("clean_lazy_init.py") }
    @Test func heavyChurnFreed() throws { try expectClean("clean_churn.py") }
    @Test func cyclesTheGCCollects() throws { try expectClean("clean_cycles.py") }
    @Test func dequeWithMaxlen() throws { try expectClean("clean_deque.py") }
    @Test func valuesReplacedUnderFixedKeys() throws { try expectClean("clean_fixed_keys.py") }
    @Test func weakValueCache() throws { try expectClean("clean_weakvalue.py") }
    @Test func allocatorRetentionAfterFloats() throws { try expectClean("clean_floats.py") }
    @Test func tasksThatComplete() throws { try expectClean("clean_tasks_complete.py") }
    @Test func filesClosedWithWith() throws { try expectClean("clean_files_with.py") }
    @Test func threadsJoined() throws { try expectClean("clean_threads_joined.py") }
    @Test func theReCache() throws { try expectClean("clean_re_cache.py") }
    @Test func ctypesMallocThenFree() throws { try expectClean("clean_ctypes_free.py") }

    @Test func aModuleTargetImportsFromTheCurrentDirectory() throws {
        let result = try BinaryHarness.run(
            ["leaks", "--quiet", "dict_cache:run"], json: true, directory: BinaryHarness.fixture("leaks"))
        #expect(result.status == 1, "\(result.stderr)")
        let report = try #require(result.report)
        #expect((report["target"] as? [String: Any])?["value"] as? String == "dict_cache:run")
        let site = (report["leaks"] as? [[String: Any]])?.first?["site"] as? [String: Any]
        #expect(site?["line"] as? Int == 7, "\(String(describing: site))")
        let missing = try BinaryHarness.run(["leaks", "no_such_module_here:run"], directory: BinaryHarness.fixture("leaks"))
        #expect(missing.status == 66, "\(missing.stderr)")
    }

    @Test func aTargetThatRaisesIsReported() throws {
        let report = try leaks("raises.py", expectStatus: 67)
        #expect(report["verdict"] as? String == "error")
        let exception = try #require(report["exception"] as? [String: Any])
        #expect(exception["type"] as? String == "KeyError")
    }

    @Test func usageAndMissingTargets() throws {
        let usage = try BinaryHarness.run(["leaks", "no-colon-here"])
        #expect(usage.status == 64, "\(usage.stderr)")
        let missing = try BinaryHarness.run(["leaks", BinaryHarness.fixture("leaks/nope.py") + ":run"])
        #expect(missing.status == 66, "\(missing.stderr)")
        let noFunction = try BinaryHarness.run(["leaks", BinaryHarness.fixture("leaks/module_list.py") + ":nope"])
        #expect(noFunction.status == 66, "\(noFunction.stderr)")
        let syntax = try BinaryHarness.run(["leaks", BinaryHarness.fixture("leaks/syntax_error.py") + ":run"])
        #expect(syntax.status == 65, "\(syntax.stderr)")
    }

    @Test func aCallThatNeverReturnsStopsAtTheTimeout() throws {
        let result = try BinaryHarness.run(["leaks", "--timeout", "1", BinaryHarness.fixture("leaks/never_returns.py") + ":run"])
        #expect(result.status == 124, "\(result.stderr)")
        #expect(result.stderr.contains("--timeout"))
    }

    @Test func aTargetThatCrashesIsReportedBySignal() throws {
        let result = try BinaryHarness.run(["leaks", BinaryHarness.fixture("leaks/crashes.py") + ":run"])
        #expect(result.status == 139, "\(result.stderr)")
        #expect(result.stderr.contains("signal 11"))
    }

    @Test func theTerminalSummaryReadsTopDown() throws {
        let path = BinaryHarness.fixture("leaks/module_list.py")
        let result = try BinaryHarness.run(["leaks", "\(path):run"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("pyinspect leaks: LEAK") == true, "\(result.stderr)")
        #expect(result.stderr.contains("site: \(path):8"), "\(result.stderr)")
        #expect(result.stderr.contains("kept alive by"), "\(result.stderr)")
    }
}
