import Foundation
import Testing

/// `run --metrics HOST:PORT` (docs/services.md "Prometheus metrics"): the endpoint checked by promtool, scraped by
/// a real Prometheus server, answering while a C call holds the GIL, and leaving the run's outcome alone. Every
/// step waits for an event (a line printed, a reply, a process' end, a series appearing), never for time to pass.
@Suite struct MetricsTests {
    func fixture(_ name: String) -> String { BinaryHarness.fixture("services/\(name)") }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pyinspect-metrics-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    func touch(_ path: String) { FileManager.default.createFile(atPath: path, contents: Data()) }

    func json(_ path: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func endpointPassesPromtoolAndItsFiguresMove() throws {
        // GIVEN a target under `run --metrics` that starts threads and collects garbage when told to
        let directory = try temporaryDirectory()
        let port = try MetricsHTTPClient.freePort()
        let report = directory + "/report.json"
        let running = try RunningBinary(
            ["run", "--metrics", "127.0.0.1:\(port)", "--json", report, fixture("metrics_phases.py"), directory])
        #expect(running.waitForOutput("ready"))

        // WHEN /metrics is scraped before and after the target's threads and collections
        let first = try MetricsHTTPClient.get(port: port, path: "/metrics")
        touch(directory + "/go")
        #expect(running.waitForOutput("phase 2"))
        let second = try MetricsHTTPClient.get(port: port, path: "/metrics")

        // THEN both are Prometheus' text format, promtool finds nothing wrong, and the figures moved
        #expect(first.status == 200)
        #expect(first.head.contains("Content-Type: text/plain; version=0.0.4"))
        let checked = try Promtool.checkMetrics(second.body)
        #expect(checked.status == 0, "\(checked.output)\n\(second.body)")
        for name in ["process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                     "process_cpu_seconds_total", "process_start_time_seconds", "python_gc_collections_total",
                     "python_gc_objects_collected_total", "pyinspect_threads", "pyinspect_asyncio_tasks",
                     "pyinspect_python_heap_bytes", "pyinspect_gc_pause_seconds_total", "pyinspect_checkpoints_total"] {
            #expect(second.body.contains("# HELP \(name) "), "no HELP for \(name)")
            #expect(second.body.contains("# TYPE \(name) "), "no TYPE for \(name)")
        }
        #expect(second.body.contains("python_info{implementation=\"CPython\",major=\"3\",minor=\"11\""))
        let before = PrometheusText(first.body), after = PrometheusText(second.body)
        #expect(before.value("pyinspect_threads") == 1)
        #expect(after.value("pyinspect_threads") == 4)
        let collections = #"python_gc_collections_total{generation="2"}"#
        #expect((after.value(collections) ?? 0) >= (before.value(collections) ?? 0) + 5)
        #expect((after.value("pyinspect_gc_pause_seconds_total") ?? 0) > (before.value("pyinspect_gc_pause_seconds_total") ?? 0))
        #expect((after.value(#"python_gc_objects_collected_total{generation="2"}"#) ?? -1) >= 0)
        #expect(after.value("pyinspect_python_figures_stale") == 0)

        // AND other paths and methods get their HTTP errors and are not counted as scrapes
        #expect(try MetricsHTTPClient.get(port: port, path: "/").status == 404)
        #expect(try MetricsHTTPClient.request(port: port, "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").status == 405)
        #expect(try MetricsHTTPClient.request(port: port, "nonsense\r\n\r\n").status == 400)
        #expect(try MetricsHTTPClient.request(port: port, "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 9000)
                                              + "\r\n\r\n").status == 431)

        // AND the run ends as without --metrics, its report recording the endpoint and the two scrapes
        touch(directory + "/stop")
        let end = running.finish()
        #expect(end.status == 0, "\(end.stderr)")
        let metrics = try #require(try json(report)["metrics"] as? [String: Any])
        #expect(metrics["address"] as? String == "127.0.0.1:\(port)")
        #expect(metrics["scrapes"] as? Int == 2)
        let valid = try ReportSchemaTests.validate(report)
        #expect(valid.status == 0, "\(valid.output)")
    }

    @Test func aPrometheusServerScrapesTheTargetAndSIGINTStillWritesTheReport() throws {
        // GIVEN a target under `run --metrics` and a Prometheus server scraping it every second
        let directory = try temporaryDirectory()
        let port = try MetricsHTTPClient.freePort()
        let report = directory + "/report.json"
        let running = try RunningBinary(
            ["run", "--metrics", "127.0.0.1:\(port)", "--json", report, fixture("metrics_phases.py"), directory])
        #expect(running.waitForOutput("ready"))
        let server = try PrometheusServer.start(directory: directory, target: "127.0.0.1:\(port)")
        defer { server.stop() }

        // WHEN its HTTP API is asked for the target's resident memory until the series appears
        let series = server.waitForSeries("process_resident_memory_bytes", deadlineSeconds: 90)

        // THEN the series is there, from our job, with a plausible value
        let found = try #require(series, "no series within the deadline; Prometheus said: \(server.log())")
        #expect(found.job == "pyinspect")
        #expect(found.value > 1_000_000)

        // AND SIGINT to pyinspect while a client is connected (its request half sent) still writes the report: 130
        server.stop()
        let client = try MetricsHTTPClient.connect(port: port)
        defer { close(client) }
        _ = "GET /metr".withCString { send(client, $0, 9, Int32(MSG_NOSIGNAL)) }
        running.signal(SIGINT)
        let end = running.finish()
        #expect(end.status == 130, "\(end.stderr)")
        let metrics = try #require(try json(report)["metrics"] as? [String: Any])
        #expect((metrics["scrapes"] as? Int ?? 0) >= 1)
        let valid = try ReportSchemaTests.validate(report)
        #expect(valid.status == 0, "\(valid.output)")
    }

    @Test func underGILTracingEachOfTheTargetsThreadsHasItsGILSeconds() throws {
        // GIVEN a target under `run --gil --metrics` that has started three named threads
        let directory = try temporaryDirectory()
        let port = try MetricsHTTPClient.freePort()
        let running = try RunningBinary(
            ["run", "--gil", "--metrics", "127.0.0.1:\(port)", fixture("metrics_phases.py"), directory])
        #expect(running.waitForOutput("ready"))
        touch(directory + "/go")
        #expect(running.waitForOutput("phase 2"))
        // WHEN /metrics is scraped
        let reply = try MetricsHTTPClient.get(port: port, path: "/metrics")
        touch(directory + "/stop")
        let end = running.finish()
        // THEN the main thread (which did the work) held the GIL, every parked thread has a series, and pyinspect's
        // own threads have none
        #expect(end.status == 0, "\(end.stderr)")
        let held = reply.body.split(separator: "\n").filter { $0.hasPrefix("pyinspect_gil_held_seconds_total{") }
        let main = try #require(held.first { $0.contains("thread=\"MainThread\"") }, "\(reply.body)")
        #expect((Double(main.split(separator: " ").last ?? "") ?? 0) > 0)
        for name in ["parked-0", "parked-1", "parked-2"] {
            #expect(held.contains { $0.contains("thread=\"\(name)\"") }, "\(held)")
        }
        #expect(held.count == 4, "\(held)")
        let checked = try Promtool.checkMetrics(reply.body)
        #expect(checked.status == 0, "\(checked.output)")
    }

    @Test func anAsyncioTaskLeakShowsInTheTaskGauge() throws {
        // GIVEN an asyncio server that leaks a task per connection, under `run --metrics`
        let port = try MetricsHTTPClient.freePort()
        let running = try RunningBinary(["run", "--metrics", "127.0.0.1:\(port)", fixture("task_leak.py")])
        let listening = try #require(running.waitForLine(containing: "listening on"))
        let appPort = try #require(listening.split(separator: " ").last.map(String.init))
        let before = PrometheusText(try MetricsHTTPClient.get(port: port, path: "/metrics").body)
        // WHEN 25 connections come and go
        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        load.arguments = [fixture("tcp_load.py"), appPort, "25"]
        load.standardOutput = FileHandle.nullDevice
        try load.run()
        load.waitUntilExit()
        let after = PrometheusText(try MetricsHTTPClient.get(port: port, path: "/metrics").body)
        running.signal(SIGINT)
        let end = running.finish()
        // THEN the pending tasks grew by the 25 leaked ones (a last handler may still be finishing), and the run
        // still ends as interrupted
        #expect(load.terminationStatus == 0)
        let grown = (after.value("pyinspect_asyncio_tasks") ?? 0) - (before.value("pyinspect_asyncio_tasks") ?? 0)
        #expect(grown >= 25, "before \(before.value("pyinspect_asyncio_tasks") ?? -1), after \(after.value("pyinspect_asyncio_tasks") ?? -1)")
        #expect(end.status == 130, "\(end.stderr)")
    }

    @Test func aTargetInALongCCallStillAnswers() throws {
        // GIVEN a target whose main thread sits in a C call that keeps the GIL
        let port = try MetricsHTTPClient.freePort()
        let running = try RunningBinary(["run", "--metrics", "127.0.0.1:\(port)", fixture("long_c_call.py")])
        #expect(running.waitForOutput("entering C call"))
        // WHEN /metrics is scraped (again while the main thread may still be between its print and the call: the
        // print's write lets the GIL go, and on a busy machine a scrape can take it before the call starts)
        var replies: [MetricsHTTPClient.Reply] = []
        for _ in 0..<20 {
            let reply = try MetricsHTTPClient.get(port: port, path: "/metrics")
            replies.append(reply)
            if PrometheusText(reply.body).value("pyinspect_python_figures_stale") == 1 { break }
        }
        running.signal(SIGTERM)
        _ = running.finish()
        // THEN every scrape is answered, with the process' figures, and the Python side's are marked stale
        #expect(replies.allSatisfy { $0.status == 200 })
        let reply = try #require(replies.last)
        let text = PrometheusText(reply.body)
        #expect((text.value("process_resident_memory_bytes") ?? 0) > 0)
        #expect(text.value("pyinspect_python_figures_stale") == 1, "\(replies.count) scrapes, none stale")
        let checked = try Promtool.checkMetrics(reply.body)
        #expect(checked.status == 0, "\(checked.output)")
    }

    @Test func theRunsOutcomeIsTheSameWithMetrics() throws {
        // GIVEN a target that raises, run with and without --metrics
        let directory = try temporaryDirectory()
        let script = directory + "/raises.py"
        try "import sys\nprint('hello')\nraise ValueError('boom')\n".write(toFile: script, atomically: true, encoding: .utf8)
        let port = try MetricsHTTPClient.freePort()
        let plain = try BinaryHarness.run(["run", script], json: true)
        let served = try BinaryHarness.run(["run", "--metrics", "127.0.0.1:\(port)", script], json: true)
        // THEN the same exit status, verdict, output and findings; only the metrics section is added
        #expect(plain.status == 1)  // as under python3
        #expect(served.status == plain.status)
        #expect(served.stdout == plain.stdout)
        let a = try #require(plain.report), b = try #require(served.report)
        #expect(a["verdict"] as? String == b["verdict"] as? String)
        #expect(a["exit_status"] as? Int == b["exit_status"] as? Int)
        #expect(((a["findings"] as? [[String: Any]]) ?? []).count == ((b["findings"] as? [[String: Any]]) ?? []).count)
        #expect(a["metrics"] == nil)
        #expect((b["metrics"] as? [String: Any])?["scrapes"] as? Int == 0)
        #expect(Set(b.keys).subtracting(a.keys) == ["metrics"])
    }

    @Test(arguments: [
        ("nonsense", "expected HOST:PORT"),
        ("127.0.0.1:70000", "the port must be"),
        ("10.1.2.3:9464", "not a loopback address"),
        ("example.com:9464", "numeric address or localhost"),
    ])
    func badAddressesAreOneLineUsageErrors(address: String, message: String) throws {
        let result = try BinaryHarness.run(["run", "--metrics", address, "-c", "print('ran')"])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!result.stdout.contains("ran"))
    }

    @Test func aPortInUseIsAUsageErrorBeforeTheTargetRuns() throws {
        let (fd, port) = try MetricsHTTPClient.listeningSocket()
        defer { close(fd) }
        let result = try BinaryHarness.run(["run", "--metrics", "127.0.0.1:\(port)", "-c", "print('ran')"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("port \(port) is in use"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!result.stdout.contains("ran"))
    }
}

/// Sample values from Prometheus' text format, by the series as written (`name` or `name{labels}`).
struct PrometheusText {
    var values: [String: Double] = [:]
    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            values[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
    }
    func value(_ series: String) -> Double? { values[series] }
}

enum Promtool {
    static let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `promtool check metrics` on `text` (standard input): its status and output.
    static func checkMetrics(_ text: String) throws -> (status: Int32, output: String) {
        let tool = try #require(path, "promtool not found: `make` installs Debian's prometheus package")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
