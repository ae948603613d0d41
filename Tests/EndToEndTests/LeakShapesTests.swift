import Foundation
import Testing

/// `pyinspect leaks` on the shapes issue 20 found missed or misjudged: growth with no new objects, a leak every
/// 25th call, bounded caches filling slowly, chains through class registries, atexit, event loops and raw
/// descriptors, the line that stored a leaked object, and the terminal traceback.
@Suite(.serialized) struct LeakShapesTests {
    struct Outcome {
        var report: [String: Any]
        var stderr: String
        var source: [Substring]
    }

    func hunt(_ fixture: String, expectStatus: Int32, quiet: Bool = true) throws -> Outcome {
        let path = BinaryHarness.fixture("leaks/\(fixture)")
        let result = try BinaryHarness.run(["leaks"] + (quiet ? ["--quiet"] : []) + ["\(path):run"], json: true)
        #expect(result.status == expectStatus, "\(fixture): stderr: \(result.stderr)")
        let report = try #require(result.report, "\(fixture): no report; stderr: \(result.stderr)")
        let source = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        return Outcome(report: report, stderr: result.stderr, source: source)
    }

    /// The leak of `kind`, checked for a site in the fixture (on one of `lines` when given).
    func leak(_ fixture: String, kind: String, lines: Set<Int>? = nil) throws -> (leak: [String: Any], outcome: Outcome) {
        let outcome = try hunt(fixture, expectStatus: 1)
        #expect(outcome.report["verdict"] as? String == "leak", "\(fixture)")
        let found = try #require(outcome.report["leaks"] as? [[String: Any]], "\(fixture)")
        let leak = try #require(found.first { $0["kind"] as? String == kind }, "\(fixture): kinds \(found.map { $0["kind"] ?? "" })")
        let site = try #require(leak["site"] as? [String: Any], "\(fixture): no site")
        #expect(site["file"] as? String == BinaryHarness.fixture("leaks/\(fixture)"), "\(fixture): site \(site)")
        let line = try #require(site["line"] as? Int)
        if let lines {
            #expect(lines.contains(line), "\(fixture): site line \(line): \(outcome.source[max(0, line - 1)])")
        }
        return (leak, outcome)
    }

    func chain(_ leak: [String: Any]) -> [[String: Any]] { leak["chain"] as? [[String: Any]] ?? [] }

    func clean(_ fixture: String) throws -> [String: Any] {
        let outcome = try hunt(fixture, expectStatus: 0)
        #expect(outcome.report["verdict"] as? String == "clean", "\(fixture): \(outcome.report["leaks"] ?? "")")
        #expect((outcome.report["leaks"] as? [Any])?.isEmpty ?? true)
        return try #require(outcome.report["leak_hunt"] as? [String: Any])
    }

    func expectBounded(_ fixture: String, bound: Int) throws {
        let hunt = try clean(fixture)
        let bounded = try #require(hunt["bounded"] as? [[String: Any]], "\(fixture): clean but no bounded holder named")
        #expect(bounded.first?["bound"] as? Int == bound, "\(fixture): \(bounded)")
        let chain = bounded.first?["chain"] as? [[String: Any]] ?? []
        #expect(!chain.isEmpty, "\(fixture): no chain to the holder")
    }

    // Growth that makes no new objects: the references signal sees it; the chain ends at the list.
    @Test func aListGainingCachedSmallInts() throws {
        let (leak, _) = try leak("small_ints_list.py", kind: "memory", lines: [6, 7])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module small_ints_list", "\(steps)")
        #expect(steps.last?["type"] as? String == "list" && steps.last?["via"] as? String == ".SEEN", "\(steps)")
        #expect((leak["types"] as? [[String: Any]])?.first?["name"] as? String == "int")
        #expect(leak["bytes_per_call"] as? Double == 16)
    }

    // Buffers that grow in place (no new objects, hardly any allocation): the line that grew them, the exact
    // bytes per call from the buffer's own length, and the chain to the buffer.
    @Test func aBytearrayLogGrowingInPlace() throws {
        let (leak, _) = try leak("bytearray_log.py", kind: "memory", lines: [8])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module bytearray_log", "\(steps)")
        #expect(steps.last?["type"] as? String == "bytearray" && steps.last?["via"] as? String == ".buffer", "\(steps)")
        #expect(leak["bytes_per_call"] as? Double == 16, "\(leak)")
        #expect((leak["message"] as? String ?? "").contains("grows in place"), "\(leak)")
    }

    @Test func anArrayOfSamplesGrowingInPlace() throws {
        let (leak, _) = try leak("array_samples.py", kind: "memory", lines: [8, 9])
        #expect(chain(leak).last?["via"] as? String == ".LATENCIES", "\(chain(leak))")
        #expect(leak["bytes_per_call"] as? Double == 16, "\(leak)")
    }

    @Test func aScratchBufferEmptiedEveryCallIsClean() throws { _ = try clean("clean_bytearray_reset.py") }

    // A list of weak references its owner prunes now and then (sqlite3's cursors, every 200) is bounded: the
    // hunt keeps calling until it shrinks. One nobody prunes is a leak.
    @Test func aQueryOnAModuleLevelSqliteConnectionIsClean() throws {
        let hunt = try clean("clean_sqlite_lookup.py")
        let bounded = try #require(hunt["bounded"] as? [[String: Any]], "no pruned holder named: \(hunt)")
        #expect((bounded.first?["holder"] as? String ?? "").contains("sqlite3.Connection"), "\(bounded)")
        #expect(bounded.first?["reached"] as? Bool == true)
    }

    @Test func weakReferencesNobodyPrunesAreALeak() throws {
        let (leak, _) = try leak("weakref_list_never_pruned.py", kind: "objects", lines: [14, 15])
        #expect(chain(leak).contains { $0["via"] as? String == ".OBSERVERS" }, "\(chain(leak))")
    }

    // Once every 25 calls: the first step extends the hunt; attribution watches two periods.
    @Test func aLeakOnEvery25thCall() throws {
        let (leak, _) = try leak("every_25th_call.py", kind: "objects", lines: [9, 15])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module every_25th_call", "\(steps)")
        #expect(steps.contains { $0["via"] as? String == ".HISTORY" }, "\(steps)")
        #expect((leak["types"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "every_25th_call.Snapshot" })
        #expect((leak["stored_at"] as? [String: Any])?["line"] as? Int == 15, "\(leak["stored_at"] ?? "none")")
    }

    @Test func anLruCacheOf256FillingSlowlyIsBounded() throws { try expectBounded("clean_lru_256.py", bound: 256) }
    @Test func aDequeWithMaxlenFillingSlowlyIsBounded() throws { try expectBounded("clean_deque_slow.py", bound: 400) }
    @Test func aHandWrittenCacheWithAMaxsizeIsBounded() throws { try expectBounded("clean_user_bounded.py", bound: 300) }
    // A declared bound that nothing enforces: the hunt calls past it and finds the growth goes on.
    @Test func aMaxsizeAttributeThatNothingEnforcesIsALeak() throws {
        let (leak, _) = try leak("declared_maxsize_ignored.py", kind: "objects", lines: [9, 18])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module declared_maxsize_ignored", "\(steps)")
        #expect(steps.count > 2 && steps[2]["via"] as? String == ".items", "\(steps)")
    }

    @Test func aPoolThatRefills() throws { _ = try clean("clean_pool_refill.py") }
    @Test func aTableBuiltOnTheSeventhCall() throws { _ = try clean("clean_lazy_table.py") }

    // A class per call kept by the base's registry: the class is not the root, the registry is.
    @Test func classesRegisteredByInitSubclass() throws {
        let (leak, _) = try leak("subclass_registry.py", kind: "objects", lines: [11])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "class subclass_registry.Plugin", "\(steps)")
        #expect(steps.count > 1 && steps[1]["via"] as? String == ".registry", "\(steps)")
        #expect((leak["stored_at"] as? [String: Any])?["line"] as? Int == 7)
    }

    @Test func atexitCallbacksNameTheRegistry() throws {
        let (leak, _) = try leak("atexit_callbacks.py", kind: "objects", lines: [7, 14, 15])
        let steps = chain(leak)
        #expect(steps.first?["type"] as? String == "atexit", "\(steps)")
        #expect((steps.first?["repr"] as? String ?? "").contains("atexit_callbacks.py:15"), "\(steps)")
    }

    @Test func pipesKeptInAModuleList() throws {
        let (leak, _) = try leak("pipes_kept.py", kind: "fds", lines: [8])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module pipes_kept", "\(steps)")
        #expect(steps.count > 1 && steps[1]["via"] as? String == ".PIPES", "\(steps)")
    }

    @Test func dupDescriptorsInAModuleDict() throws {
        let (leak, _) = try leak("dup_kept.py", kind: "fds", lines: [8])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module dup_kept", "\(steps)")
        #expect(steps.count > 1 && steps[1]["via"] as? String == ".COPIES", "\(steps)")
    }

    @Test func socketsKeptChainToTheSocket() throws {
        let (leak, _) = try leak("sockets_kept.py", kind: "fds", lines: [8])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module sockets_kept", "\(steps)")
        #expect(steps.last?["type"] as? String == "socket.socket", "\(steps)")
    }

    @Test func filesKeptChainToTheFile() throws {
        let (leak, _) = try leak("files_kept.py", kind: "fds", lines: [4])
        let steps = chain(leak)
        #expect(steps.first?["repr"] as? String == "module files_kept", "\(steps)")
        #expect((steps.last?["type"] as? String ?? "").hasPrefix("_io."), "\(steps)")
    }

    @Test func tasksKeptOnlyByTheLoopNameItsTimers() throws {
        let (leak, _) = try leak("tasks_on_timer.py", kind: "tasks", lines: [11])
        let steps = chain(leak)
        #expect((steps.first?["repr"] as? String ?? "").contains("EventLoop"), "\(steps)")
        #expect(steps.count > 1 && steps[1]["via"] as? String == "._scheduled", "\(steps)")
    }

    @Test func tasksThatYieldForeverNameTheReadyQueue() throws {
        let (leak, _) = try leak("tasks_on_ready_queue.py", kind: "tasks", lines: [11])
        let steps = chain(leak)
        #expect((steps.first?["repr"] as? String ?? "").contains("EventLoop"), "\(steps)")
        #expect(steps.count > 1 && steps[1]["via"] as? String == "._ready", "\(steps)")
    }

    // Allocated in one function, stored by another: both lines, and the terminal shows them with the traceback.
    @Test func theLineThatStoredTheObjectAndTheTerminalTraceback() throws {
        let path = BinaryHarness.fixture("leaks/stored_elsewhere.py")
        let result = try BinaryHarness.run(["leaks", "\(path):run"], json: true)
        #expect(result.status == 1, "\(result.stderr)")
        let leak = try #require((result.report?["leaks"] as? [[String: Any]])?.first)
        #expect((leak["stored_at"] as? [String: Any])?["line"] as? Int == 17, "\(leak["stored_at"] ?? "none")")
        #expect(result.stderr.contains("stored at: \(path):17  self.items.append(item)"), "\(result.stderr)")
        #expect(result.stderr.contains("traceback (innermost first):"), "\(result.stderr)")
        #expect(result.stderr.contains("\(path):24  record = make(1)"), "\(result.stderr)")
        #expect(!result.stderr.contains("<string>"), "\(result.stderr)")
    }

    @Test func theTerminalSaysWhyABoundedCacheIsClean() throws {
        let path = BinaryHarness.fixture("leaks/clean_lru_256.py")
        let result = try BinaryHarness.run(["leaks", "\(path):run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("bounded: fills to 256"), "\(result.stderr)")
    }
}
