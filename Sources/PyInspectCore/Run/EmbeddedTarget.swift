import CPythonShim
import FoundationEssentials
import Glibc

/// The child side of `pyinspect run`: starts the interpreter as python3 would for the target, installs the
/// instruments, runs the target's main, and returns its exit code. Runs in the supervised child process.
enum EmbeddedTarget {
    /// host.prepare's reply: {"ok": true} or {"ok": false, "problem", "message"}.
    struct PrepareReply {
        var ok: Bool
        var problem: String?
        var message: String?

        init(json text: String) throws {
            guard let parsed = CaptureJSON.parse(ArraySlice(text.utf8)) else {
                throw PythonHelperError(traceback: "host.prepare returned text that is not JSON: \(text.prefix(200))")
            }
            let fields = try CaptureFields(parsed)
            ok = try fields.bool("ok")
            problem = try fields.string(ifPresent: "problem")
            message = try fields.string(ifPresent: "message")
        }
    }

    static func run(request: RunRequest, helper: PythonHelper, workspace: CaptureWorkspace) -> Int32 {
        let capturePath = workspace.capturePath
        if let limit = request.memoryLimitBytes, pyi_set_memory_limit(limit) != 0 {
            writeError("cannot apply --memory-limit: \(String(cString: strerror(errno)))")
            return ExitStatus.internalError
        }
        let interpreter = PythonPaths.childInterpreter()
        let argv = request.target.pythonArgv(program: interpreter)
        let anchor = PythonPaths.pathAnchor()
        // In an activated virtualenv, sys.executable stays the virtualenv's python (it must find the virtualenv
        // even when started with a cleaned environment); multiprocessing alone goes through pyinspect-python.
        let inVirtualenv = anchor != PythonPaths.systemPython
        NativeAnalysis.install()  // `_pyinspect_native`, for Python under the host (the pytest plugin)
        let startCode = startInterpreter(
            argv: argv, anchor: anchor, sysExecutable: inVirtualenv ? anchor : interpreter)
        if startCode != 0 { return startCode }

        let prepareArgument = Self.prepareArgument(
            capture: capturePath, kind: request.target.kind.rawValue, value: request.target.value,
            multiprocessingExecutable: inVirtualenv ? interpreter : nil,
            hangs: !request.noHangMonitor, allocations: request.allocationSampleBytes != nil,
            deps: request.deps != nil ? workspace.depsFactsPath : nil, queries: !request.noQueries,
            explainQueries: request.explainQueries)
        // What host.py imports at start-up, dependencies first (start-up: ~0.25 M instructions saved a module).
        // A module missing here is imported as usual: the list only has to be right to be fast.
        helper.preload(["fastjson", "capture", "import_hooks", "gc_stats", "target_check", "threads", "hangs", "host"])
        let reply: PrepareReply
        do {
            reply = try PrepareReply(json: helper.call("host", "prepare", prepareArgument))
        } catch {
            writeError("cannot install instruments: \(error)")
            return ExitStatus.internalError
        }
        if !reply.ok {
            writeError(reply.message ?? "cannot run the target")
            return reply.problem == "syntax_error" ? ExitStatus.targetSyntaxError : ExitStatus.targetNotFound
        }
        // After Python's own signal set-up, so the target still sees SIG_DFL from signal.getsignal().
        _ = pyi_install_fatal_signal_dump(workspace.fatalStacksPath)
        _ = pyi_install_audit_watch(capturePath)
        // Before pyinspect's own threads exist: the tracer's self-test counts every GIL hand-off, and a hang monitor
        // tick inside it (likely on a loaded machine) made it fail and fall back to sampling.
        let gil = request.gil.flatMap { GILRun.start(options: $0, capturePath: capturePath) }
        // Before pyinspect's own threads: each of them starts an armed default server with it (startIfArmed).
        if request.controlListenFD >= 0, let path = request.controlSocketPath {
            if request.controlPath != nil {  // `--control PATH`: a service the user means to query, served at once
                ControlServer.start(listenFD: request.controlListenFD, path: path, helper: helper, capturePath: capturePath)
            } else {
                ControlServer.arm(listenFD: request.controlListenFD, path: path, helper: helper, capturePath: capturePath)
            }
        }
        if let seconds = request.timeoutSeconds {
            TimeoutWatchdog.start(
                seconds: seconds, helper: helper, dumpPath: workspace.timeoutStacksPath,
                capturePath: workspace.capturePath)
        }
        if !request.noHangMonitor {
            HangMonitor.arm(helper: helper, capturePath: workspace.capturePath)
            // Under GIL tracing at once: a second thread costs little beside the tracer, and its GIL takes are
            // what the tracer must tell apart from the target's (GILSingleThreadTests).
            if request.gil != nil { _ = HangMonitor.startArmed() }
        }
        if let metrics = request.metricsListening {  // run --metrics, after the GIL tracer it reads
            MetricsServer.start(
                listenFD: metrics.fd, helper: helper, capturePath: capturePath, scrapeCounter: metrics.counter.pointer,
                gilTraced: gil != nil)
        }
        // After the GIL tracer, whose per-thread flags give the samples' gil_wait state.
        if let profile = request.profile { ProfileRun.start(options: profile, capturePath: capturePath, helper: helper) }
        // Last, so the instruments' own set-up is not sampled; host.py saves the samples at exit.
        if let sampleBytes = request.allocationSampleBytes { _ = pyi_alloc_sampler_start(sampleBytes) }
        let code = pyi_run_main()
        if let gil { GILRun.finish(gil, capturePath: capturePath) }
        return code
    }

    /// host.prepare's argument, written by hand like its reply is read: Encodable and Decodable structs cost
    /// ~0.85 M instructions of protocol conformance scans in every run (callgrind), for six fields.
    static func prepareArgument(
        capture: String, kind: String, value: String, multiprocessingExecutable: String?, hangs: Bool,
        allocations: Bool, deps: String?, queries: Bool, explainQueries: Bool = false
    ) -> String {
        var text = #"{"capture":"#
        HelperJSONEncoder.writeString(capture, to: &text)
        text += #","target":{"kind":"#
        HelperJSONEncoder.writeString(kind, to: &text)
        text += #","value":"#
        HelperJSONEncoder.writeString(value, to: &text)
        text += "}"
        if let multiprocessingExecutable {
            text += #","multiprocessing_executable":"#
            HelperJSONEncoder.writeString(multiprocessingExecutable, to: &text)
        }
        text += #","hangs":"# + (hangs ? "true" : "false") + #","allocations":"# + (allocations ? "true" : "false")
        if let deps {
            text += #","deps":"#
            HelperJSONEncoder.writeString(deps, to: &text)
        }
        text += #","queries":"# + (queries ? "true" : "false")
        if explainQueries { text += #","explain":true"# }
        text += "}"
        return text
    }

    /// Initialises CPython from python3-style argv. Returns 0, or the exit code to leave with.
    static func startInterpreter(argv: [String], anchor: String, sysExecutable: String) -> Int32 {
        var cStrings = argv.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var error = [CChar](repeating: 0, count: 512)
        let code: Int32 = cStrings.withUnsafeMutableBufferPointer { buffer in
            anchor.withCString { anchorPointer in
                sysExecutable.withCString { executablePointer in
                    var options = pyi_start_options(
                        executable: anchorPointer, argc: Int32(buffer.count),
                        argv: UnsafePointer(buffer.baseAddress), parse_argv: 1, sys_executable: executablePointer)
                    return pyi_initialize(&options, &error, error.count)
                }
            }
        }
        if code < 0 {
            writeError("cannot start Python: \(String(cString: error))")
            return ExitStatus.internalError
        }
        return code
    }
}

/// One line on stderr, the form of every pyinspect error. Control characters from user input (a module name
/// with a newline) are escaped, so it stays one line.
public func writeError(_ message: String) {
    writeStandardError("pyinspect: error: \(printable(message, limit: 2000))\n")
}
