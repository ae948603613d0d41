import CPythonShim
import Glibc

/// In the target process: serves `run --metrics`. Two native threads of the host, announced (HostThread) so
/// reports keep them out of the target's figures, started only when --metrics is given:
/// - the server accepts one connection at a time and answers it; it never takes the GIL. Process figures are read
///   from the kernel; the Python side's are asked of the worker, waited for at most `gilWaitSeconds`. When a C call
///   holds the GIL longer, the answer carries the last Python figures marked stale instead of hanging;
/// - the worker, with a thread state kept for its life (host_thread_state.c), takes the GIL for metrics.py's
///   counters and pymalloc's total (ControlJobSlot hands it one job at a time, and drops one the server gave up on).
/// Thread-safety: the server alone owns the cached figures; the threads share only the job slot.
enum MetricsServer {
    static let gilWaitSeconds = 0.25
    static let jobSeconds = 5.0

    static func start(listenFD: Int32, helper: PythonHelper, capturePath: String, scrapeCounter: UnsafeMutablePointer<UInt64>?,
                      gilTraced: Bool) {
        let slot = ControlJobSlot()
        let workerStarted = slot.startWorker(name: "pyinspect-metrics-worker", capturePath: capturePath, exitingReply: "")
        NativeThread.start {
            HostThread.announce(name: "pyinspect-metrics-server", capturePath: capturePath)
            var state = State(startTime: ProcessFigures.startTime())
            while true {
                let client = pyi_metrics_accept(listenFD)
                guard client >= 0 else {
                    // EMFILE and the like: let the target free descriptors rather than spin.
                    usleep(100_000)
                    continue
                }
                serve(client, slot: slot, workerStarted: workerStarted, helper: helper, state: &state,
                      scrapeCounter: scrapeCounter, gilTraced: gilTraced)
                close(client)
            }
        }
    }

    struct State {
        var startTime: Double?
        var python: PythonFigures?
        var pythonReadAt: Double?
    }

    static func serve(_ client: Int32, slot: ControlJobSlot, workerStarted: Bool, helper: PythonHelper, state: inout State,
                      scrapeCounter: UnsafeMutablePointer<UInt64>?, gilTraced: Bool) {
        var timeout = timeval(tv_sec: MetricsHTTP.timeoutSeconds, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = readHead(client) else { return }
        let route = head.count > MetricsHTTP.maxRequestBytes ? .tooLarge : MetricsHTTP.route(head)
        guard case .metrics(let omitBody) = route else {
            _ = ControlSocket.send(client, MetricsHTTP.errorResponse(route))
            return
        }
        pyi_metrics_counter_add(scrapeCounter, 1)
        var stale = true
        if workerStarted {
            let outcome = slot.submit({ readPythonFigures(helper: helper) }, gilWaitSeconds: gilWaitSeconds, jobSeconds: jobSeconds)
            if case .done(let text) = outcome, let figures = PythonFigures.decode(text, pymallocBytes: pymallocFromReply(text)) {
                state.python = figures
                state.pythonReadAt = monotonicSeconds()
                stale = false
            }
        }
        let scrape = MetricsFamilies.Scrape(
            process: ProcessFigures.read(startTime: state.startTime), python: state.python, pythonStale: stale,
            pythonAgeSeconds: state.pythonReadAt.map { (max(0, monotonicSeconds() - $0) * 1000).rounded() / 1000 },
            gilThreads: gilTraced ? gilThreads() : nil, scrapes: pyi_metrics_counter_load(scrapeCounter))
        let body = MetricsExposition.render(MetricsFamilies.build(scrape))
        _ = ControlSocket.send(client, MetricsHTTP.response(
            status: 200, reason: "OK", contentType: MetricsExposition.contentType, body: body, omitBody: omitBody))
    }

    /// The request head, or the first `maxRequestBytes + 1` bytes of one too long; nil when the client sent
    /// nothing usable before closing or timing out.
    static func readHead(_ client: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        // SO_RCVTIMEO bounds each read; this bounds the whole head (a client trickling bytes).
        let deadline = monotonicSeconds() + Double(MetricsHTTP.timeoutSeconds)
        while bytes.count <= MetricsHTTP.maxRequestBytes {
            guard monotonicSeconds() < deadline else { return nil }
            let got = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { return nil }
            bytes.append(contentsOf: chunk[0..<got])
            if let end = MetricsHTTP.headEnd(bytes) { return Array(bytes[..<end]) }
        }
        return bytes
    }

    /// With the GIL (the worker): metrics.py's JSON, pymalloc's total appended as one more field.
    static func readPythonFigures(helper: PythonHelper) -> String {
        guard let text = try? helper.call("metrics", "figures"), text.hasSuffix("}") else { return "" }
        return String(text.dropLast()) + ",\"pymalloc_bytes\":\(pyi_metrics_pymalloc_bytes())}"
    }

    static func pymallocFromReply(_ text: String) -> Int64 {
        guard let json = CaptureJSON.parse(ArraySlice(text.utf8)), case .number(let digits)? = json["pymalloc_bytes"] else { return -1 }
        return Int64(digits) ?? -1
    }

    /// Read from the running GIL tracer without the GIL (plain counters, read as they are).
    static func gilThreads() -> [MetricsFamilies.GILThread]? {
        guard GILRun.tracing else { return nil }
        var totals = pyi_gil_trace_totals()
        pyi_gil_trace_get_totals(&totals)
        guard totals.mode != Int32(PYI_GIL_MODE_OFF) else { return nil }
        let scale = totals.ticks_per_ns > 0 ? totals.ticks_per_ns : 1
        var threads: [MetricsFamilies.GILThread] = []
        for index in 0..<max(0, totals.threads) {
            var figures = pyi_gil_thread_figures()
            guard pyi_gil_trace_thread(Int32(index), &figures) == 0, figures.tid != 0, figures.exited == 0 else { continue }
            threads.append(MetricsFamilies.GILThread(
                nativeId: figures.tid, heldSeconds: microseconds(Double(figures.hold_total_ns) / scale / 1e9),
                waitedSeconds: microseconds(Double(figures.wait_total_ns) / scale / 1e9)))
        }
        return threads.sorted { $0.nativeId < $1.nativeId }
    }

    private static func microseconds(_ seconds: Double) -> Double { (seconds * 1e6).rounded() / 1e6 }
}
