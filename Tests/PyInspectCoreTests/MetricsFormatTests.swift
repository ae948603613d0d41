import Testing

@testable import PyInspectCore

/// `run --metrics`: the address parser, the exposition format, the HTTP routing and which families a scrape
/// shows, on hand-made figures (no Python, no sockets).
@Suite struct MetricsFormatTests {
    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", false, 9464),
        ("localhost:0", "127.0.0.1", false, 0),
        ("127.5.6.7:80", "127.5.6.7", false, 80),
        ("[::1]:9464", "::1", true, 9464),
    ])
    func loopbackAddressesParse(text: String, host: String, ipv6: Bool, port: Int) throws {
        let address = try MetricsAddress.parse(text).get()
        #expect(address == MetricsAddress(host: host, ipv6: ipv6, port: port))
    }

    @Test(arguments: ["", "9464", ":9464", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:9x", "256.0.0.1:1",
                      "1.2.3:4", "host.example:80", "[::1:80", "[zz::1]:80", "0.0.0.0:9464", "[::]:9464", "10.0.0.1:1"])
    func badOrNonLoopbackAddressesAreRejected(text: String) {
        guard case .failure(let error) = MetricsAddress.parse(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.status == ExitStatus.usage)
        #expect(!error.message.contains("\n"))
    }

    @Test func otherHostsNeedTheExplicitFlag() throws {
        #expect(try MetricsAddress.parse("0.0.0.0:9464", allowAnyHost: true).get().text == "0.0.0.0:9464")
        #expect(try MetricsAddress.parse("[::]:1", allowAnyHost: true).get().text == "[::]:1")
    }

    @Test func labelValuesAndHelpAreEscaped() {
        let family = MetricFamily(
            "pyinspect_gil_held_seconds_total", .counter, help: "line one\nback\\slash \"quoted\"",
            samples: [MetricFamily.Sample(1.5, labels: [MetricFamily.Label("thread", "a\"b\\c\nd")])])
        #expect(MetricsExposition.render([family]) == """
            # HELP pyinspect_gil_held_seconds_total line one\\nback\\\\slash "quoted"
            # TYPE pyinspect_gil_held_seconds_total counter
            pyinspect_gil_held_seconds_total{thread="a\\"b\\\\c\\nd"} 1.5

            """)
    }

    @Test func valuesAreWrittenAsPrometheusReadsThem() {
        #expect(MetricsExposition.formatted(26521600) == "26521600")
        #expect(MetricsExposition.formatted(0.25) == "0.25")
        #expect(MetricsExposition.formatted(.nan) == "NaN")
        #expect(MetricsExposition.formatted(.infinity) == "+Inf")
        #expect(MetricsExposition.formatted(-.infinity) == "-Inf")
        #expect(Double(MetricsExposition.formatted(1e-7)) == 1e-7)
    }

    @Test func familiesWithoutSamplesAreLeftOut() {
        #expect(MetricsExposition.render([MetricFamily("x_total", .counter, help: "h", samples: [])]) == "")
    }

    func head(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func requestsAreRoutedStrictly() {
        #expect(MetricsHTTP.route(head("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")) == .metrics(head: false))
        #expect(MetricsHTTP.route(head("GET /metrics?x=1 HTTP/1.0\r\n\r\n")) == .metrics(head: false))
        #expect(MetricsHTTP.route(head("HEAD /metrics HTTP/1.1\r\n\r\n")) == .metrics(head: true))
        #expect(MetricsHTTP.route(head("GET / HTTP/1.1\r\n\r\n")) == .notFound)
        #expect(MetricsHTTP.route(head("GET /metrics/x HTTP/1.1\r\n\r\n")) == .notFound)
        #expect(MetricsHTTP.route(head("POST /metrics HTTP/1.1\r\n\r\n")) == .methodNotAllowed)
        #expect(MetricsHTTP.route(head("GET /metrics HTTP/2\r\n\r\n")) == .badRequest)
        #expect(MetricsHTTP.route(head("GET  /metrics HTTP/1.1\r\n\r\n")) == .badRequest)
        #expect(MetricsHTTP.route(head("get /metrics HTTP/1.1\r\n\r\n")) == .badRequest)
        #expect(MetricsHTTP.route(head("GET metrics HTTP/1.1\r\n\r\n")) == .badRequest)
        #expect(MetricsHTTP.route(head("\u{1}\u{2}\r\n\r\n")) == .badRequest)
        #expect(MetricsHTTP.route([UInt8](repeating: 0x41, count: MetricsHTTP.maxRequestBytes + 1)) == .tooLarge)
    }

    @Test func theHeadEndsAtTheBlankLine() {
        #expect(MetricsHTTP.headEnd(head("GET / HTTP/1.1\r\n")) == nil)
        #expect(MetricsHTTP.headEnd(head("GET / HTTP/1.1\r\n\r\nbody")) == 18)
    }

    @Test func responsesCarryLengthAndClose() {
        let text = MetricsHTTP.response(status: 200, reason: "OK", contentType: MetricsExposition.contentType, body: "é\n")
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Content-Length: 3\r\n"))
        #expect(text.contains("Connection: close\r\n\r\né\n"))
        let head = MetricsHTTP.response(status: 200, reason: "OK", contentType: "t", body: "abc", omitBody: true)
        #expect(head.contains("Content-Length: 3\r\n") && head.hasSuffix("\r\n\r\n"))
        #expect(MetricsHTTP.errorResponse(.methodNotAllowed).contains("Allow: GET, HEAD\r\n"))
    }

    static let process = ProcessFigures(
        residentBytes: 1_048_576, virtualBytes: 1_073_741_824, openFDs: 7, maxFDs: 1024, cpuSeconds: 0.5, startTimeSeconds: 1.7e9)
    static let python = PythonFigures(
        gc: [(10, 100, 0), (2, 20, 0), (1, 5, 1)], gcPauseSeconds: 0.002, threads: 3, threadNames: [42: "MainThread"],
        tasks: 4, blocks: 5000, heapBytes: 123456, heapSource: "pymalloc", checkpoints: 2, implementation: "cpython",
        version: [3, 11, 2])

    func names(_ families: [MetricFamily]) -> [String] { families.map(\.name) }

    @Test func aFreshScrapeShowsEveryFamily() {
        let families = MetricsFamilies.build(.init(
            process: Self.process, python: Self.python, pythonStale: false, pythonAgeSeconds: 0, gilThreads: nil, scrapes: 3))
        let text = MetricsExposition.render(families)
        #expect(text.contains("python_gc_collections_total{generation=\"2\"} 1\n"))
        #expect(text.contains("python_gc_objects_uncollectable_total{generation=\"2\"} 1\n"))
        #expect(text.contains("python_info{implementation=\"CPython\",major=\"3\",minor=\"11\",patchlevel=\"2\",version=\"3.11.2\"} 1\n"))
        #expect(text.contains("pyinspect_python_heap_bytes{source=\"pymalloc\"} 123456\n"))
        #expect(text.contains("pyinspect_python_figures_stale 0\n"))
        #expect(text.contains("pyinspect_metrics_scrapes_total 3\n"))
        #expect(!names(families).contains("pyinspect_gil_held_seconds_total"))
        // Every family once, each with HELP and TYPE.
        #expect(Set(names(families)).count == families.count)
        for family in families {
            #expect(text.contains("# HELP \(family.name) ") && text.contains("# TYPE \(family.name) \(family.kind.rawValue)\n"))
            if family.kind == MetricFamily.Kind.counter { #expect(family.name.hasSuffix("_total")) }
        }
    }

    @Test func withoutPythonFiguresOnlyTheProcessIsShownAndMarkedStale() {
        let families = MetricsFamilies.build(.init(
            process: Self.process, python: nil, pythonStale: true, pythonAgeSeconds: nil, gilThreads: nil, scrapes: 1))
        #expect(names(families).allSatisfy { $0.hasPrefix("process_") || $0.hasPrefix("pyinspect_python_figures") || $0 == "pyinspect_metrics_scrapes_total" })
        #expect(MetricsExposition.render(families).contains("pyinspect_python_figures_stale 1\n"))
    }

    @Test func gilCountersAreLabelledByThreadName() {
        let families = MetricsFamilies.build(.init(
            process: Self.process, python: Self.python, pythonStale: true, pythonAgeSeconds: 4,
            gilThreads: [.init(nativeId: 42, heldSeconds: 1.25, waitedSeconds: 0), .init(nativeId: 43, heldSeconds: 0.5, waitedSeconds: 0.75)],
            scrapes: 1))
        let text = MetricsExposition.render(families)
        #expect(text.contains("pyinspect_gil_held_seconds_total{thread=\"MainThread\",native_id=\"42\"} 1.25\n"))
        #expect(text.contains("pyinspect_gil_wait_seconds_total{thread=\"MainThread\",native_id=\"42\"} 0\n"))
        #expect(!text.contains("native_id=\"43\""), "a thread threading does not list (pyinspect's own) is left out")
        #expect(text.contains("pyinspect_python_figures_age_seconds 4\n"))
    }

    @Test func pythonFiguresDecodeFromTheHelpersJSON() throws {
        let text = #"{"gc":[[10,100,0],[2,20,0],[1,5,1]],"gc_pause_s":0.002,"threads":3,"thread_names":{"42":"MainThread"},"tasks":4,"blocks":5000,"implementation":"cpython","version":[3,11,2],"checkpoints":2,"pymalloc_bytes":123456}"#
        #expect(PythonFigures.decode(text, pymallocBytes: 123456) == Self.python)
        let traced = try #require(PythonFigures.decode(#"{"traced_bytes":99,"version":[3,11,2]}"#, pymallocBytes: 5))
        #expect(traced.heapBytes == 99 && traced.heapSource == "tracemalloc")
        #expect(PythonFigures.decode("not json", pymallocBytes: 1) == nil)
    }
}
