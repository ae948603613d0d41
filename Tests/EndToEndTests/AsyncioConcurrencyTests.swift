import Foundation
import Testing

/// Issue 18: `unbounded_concurrency` (one creation site drives thousands of active tasks, or exhausts file
/// descriptors) and `loop_called_from_thread` (a loop's or future's non-thread-safe method called from another
/// thread), with their look-alikes that must stay clean. Fixtures under Tests/Fixtures/concurrency and
/// Tests/Fixtures/loop_threads.
@Suite struct AsyncioConcurrencyTests {
    let fixtures = BinaryHarness.fixtures

    func report(_ folder: String, _ name: String) throws -> [String: Any] {
        let result = try BinaryHarness.run(
            ["run", "--timeout", "60", fixtures.appendingPathComponent(folder).appendingPathComponent(name).path],
            json: true)
        #expect(result.status == 0)
        return try #require(result.report)
    }

    func found(_ report: [String: Any], _ kind: String) -> [[String: Any]] {
        (report["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == kind }
    }

    func line(_ entry: [String: Any]) -> String? {
        guard let site = entry["site"] as? [String: Any], let file = site["file"] as? String,
            let line = site["line"] as? Int
        else { return nil }
        return "\((file as NSString).lastPathComponent):\(line)"
    }

    func sites(_ report: [String: Any]) -> [String: [String: Any]] {
        Dictionary((report["task_sites"] as? [[String: Any]] ?? []).compactMap { row in line(row).map { ($0, row) } },
                   uniquingKeysWith: { first, _ in first })
    }

    @Test(arguments: [("gather_connections.py", 25, 10000), ("create_task_loop.py", 13, 3000), ("task_group.py", 13, 2000)])
    func unboundedSiteIsAFindingWithItsPeakAndABound(name: String, line expected: Int, peak: Int) throws {
        let report = try report("concurrency", name)
        let finding = try #require(found(report, "unbounded_concurrency").first)
        #expect(line(finding) == "\(name):\(expected)")
        #expect(finding["count"] as? Int == peak)
        #expect((finding["fix"] as? String)?.contains("asyncio.Semaphore(") == true)
        let row = try #require(sites(report)["\(name):\(expected)"])
        #expect(row["peak"] as? Int == peak)
        #expect(row["created"] as? Int == peak)
    }

    @Test func descriptorsExhaustedAreCountedAndBoundTheSuggestion() throws {
        let report = try report("concurrency", "gather_connections.py")
        let row = try #require(sites(report)["gather_connections.py:25"])
        #expect((row["fd_errors"] as? Int ?? 0) > 0)
        #expect(row["burst"] as? Int == 10000)
        let finding = try #require(found(report, "unbounded_concurrency").first)
        #expect((finding["message"] as? String)?.contains("too many open files (EMFILE, limit 1024)") == true)
        #expect((finding["fix"] as? String)?.contains("Semaphore(256)") == true)  // a quarter of the limit
    }

    @Test(arguments: [("worker_pool.py", 18, 50), ("semaphore_gather.py", 14, 5000), ("healthy_server.py", 18, 3000)])
    func boundedShapesAreNoFindingButAreInTheTable(name: String, line expected: Int, peak: Int) throws {
        let report = try report("concurrency", name)
        #expect(found(report, "unbounded_concurrency").isEmpty)
        let row = try #require(sites(report)["\(name):\(expected)"])
        #expect(row["peak"] as? Int == peak)
    }

    @Test func serverHandlersAreMarkedAsConnections() throws {
        let report = try report("concurrency", "healthy_server.py")
        #expect(sites(report)["healthy_server.py:18"]?["connections"] as? Bool == true)
    }

    @Test func eachNonThreadSafeMethodFromAThreadIsNamedWithTheSafeCall() throws {
        let report = try report("loop_threads", "each_method.py")
        let findings = found(report, "loop_called_from_thread")
        let byLine = Dictionary(findings.compactMap { f in line(f).map { ($0, f) } }, uniquingKeysWith: { a, _ in a })
        let expected: [(Int, String, String)] = [
            (26, "loop.call_soon", "loop.call_soon_threadsafe(callback"),
            (27, "loop.call_later", "loop.call_soon_threadsafe(loop.call_later"),
            (28, "loop.create_task", "asyncio.run_coroutine_threadsafe(coro, loop)"),
            (31, "Future.set_result", "loop.call_soon_threadsafe(fut.set_result"),
            (32, "Future.set_exception", "loop.call_soon_threadsafe(fut.set_exception"),
            (33, "Task.cancel", "loop.call_soon_threadsafe(task.cancel)"),
        ]
        #expect(findings.count == expected.count)
        for (number, method, fix) in expected {
            let finding = try #require(byLine["each_method.py:\(number)"])
            #expect(finding["thread"] as? String == "helper")
            #expect((finding["message"] as? String)?.contains("called \(method) at") == true)
            #expect((finding["message"] as? String)?.contains("of thread 'MainThread'") == true)
            #expect((finding["fix"] as? String)?.hasPrefix(fix) == true)
        }
    }

    @Test func threadSafeFormsAndSetUpBeforeTheLoopRunsAreClean() throws {
        let report = try report("loop_threads", "safe_forms.py")
        #expect(found(report, "loop_called_from_thread").isEmpty)
        #expect(report["verdict"] as? String == "clean")
    }
}
