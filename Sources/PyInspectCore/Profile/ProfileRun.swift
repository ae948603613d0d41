import CPythonShim
import FoundationEssentials
import Glibc

/// Where the sampling profiler plugs into `run`'s pipeline (`pyinspect profile`, `run --profile`): one call at
/// each step, as GILRun does.
enum ProfileRun {
    /// In the target, before its main runs (holding the GIL), after the GIL tracer (whose per-thread flags give
    /// `gil_wait`) if `run --gil` started it. Returns false when profiling cannot start (said on stderr).
    @discardableResult
    static func start(options: ProfileOptions, capturePath: String, helper: PythonHelper) -> Bool {
        let helperDirectory = helper.packageDirectory
        var message = [CChar](repeating: 0, count: 512)
        // The GIL tracer: already on under --gil; else started for its flags only (no timeline kept).
        var gilOptions = pyi_gil_trace_options(
            long_hold_ms: 1e9, force_sampling: 0, events_capacity: 0, stacks_path: nil)
        let gilMode = pyi_gil_trace_start(&gilOptions, &message, message.count)
        let exact = gilMode == Int32(PYI_GIL_MODE_EXACT)
        if pyi_profile_prepare(options.rateHz, exact ? 1 : 0, &message, message.count) != 0 {
            writeError("profiling unavailable: \(String(cString: message))")
            return false
        }
        ControlServer.startIfArmed()  // the process has threads from now on: the lazy start would gain nothing
        guard NativeThread.start({
            HostThread.announce(name: "pyinspect-profiler", capturePath: capturePath)
            pyi_profile_run()
        }) else {
            writeError("profiling unavailable: cannot start the sampler thread")
            return false
        }
        pending = (capturePath, getpid(), exact, helperDirectory)
        // asyncio tasks get named when the target creates them (if it ever imports asyncio).
        if (try? helper.call("profile_tasks", "install")) == nil {
            writeError("profiling: asyncio tasks will not be named (the task hook could not be installed)")
        }
        _ = pyi_profile_stop_at_target_exit()
        // As GILRun: sys.exit() inside Py_RunMain, Ctrl-C (Py_AtExit), SIGTERM/SIGHUP (the fatal-signal thread).
        atexit { ProfileRun.finishPending() }
        _ = pyi_at_python_exit { ProfileRun.finishPending() }
        _ = pyi_save_before_terminate { ProfileRun.finishPending() }
        return true
    }

    nonisolated(unsafe) private static var pending: (capturePath: String, pid: pid_t, gilStates: Bool, helperDirectory: String)?

    /// Stops the sampler and saves what it saw, once, in the target process only (not in a forked child).
    static func finishPending() {
        guard let (capturePath, pid, gilStates, helperDirectory) = pending, pid == getpid() else { return }
        pending = nil
        pyi_profile_stop()
        let capture = collect(gilStates: gilStates, helperDirectory: helperDirectory)
        if let data = try? JSONEncoder().encode(capture) {
            try? data.write(to: URL(fileURLWithPath: ProfileCapture.path(capturePath: capturePath)))
        }
    }

    /// The sampler's tables as ProfileStacks: code objects with the same text merge, frames outermost first.
    /// pyinspect's own helpers' frames (its thread wrapper, its import hooks) are left out, as in every stack
    /// pyinspect reports: the sample stays with the target's frames around them.
    static func collect(gilStates: Bool, helperDirectory: String) -> ProfileCapture {
        let ownPrefix = helperDirectory.hasSuffix("/") ? helperDirectory : helperDirectory + "/"
        var totals = pyi_profile_totals()
        pyi_profile_get_totals(&totals)
        var functions: [(name: String, file: String, firstLine: Int)] = []
        functions.reserveCapacity(Int(totals.functions))
        for index in 0..<totals.functions {
            var name: UnsafePointer<CChar>?
            var file: UnsafePointer<CChar>?
            var firstLine: Int32 = 0
            if pyi_profile_function(index, &name, &file, &firstLine) == 0, let name, let file {
                functions.append((String(cString: name), String(cString: file), Int(firstLine)))
            } else {
                functions.append(("?", "?", 0))
            }
        }
        var tasks: [(name: String, coroutine: String)] = []
        var taskIndex: UInt32 = 0
        while true {
            var name: UnsafePointer<CChar>?
            var coroutine: UnsafePointer<CChar>?
            guard pyi_profile_task(taskIndex, &name, &coroutine) == 0, let name, let coroutine else { break }
            tasks.append((String(cString: name), String(cString: coroutine)))
            taskIndex += 1
        }
        struct Key: Hashable {
            var task: Int
            var nativeID: Int
            var state: SampleState
            var frames: [ProfileFrame]
        }
        var counts: [Key: Int] = [:]
        var order: [Key] = []
        for index in 0..<totals.stacks {
            var info = pyi_profile_stack_info()
            guard pyi_profile_stack(index, &info) == 0, let raw = info.frames else { continue }
            var frames: [ProfileFrame] = []
            frames.reserveCapacity(Int(info.depth))
            for level in stride(from: Int(info.depth) - 1, through: 0, by: -1) {
                let function = Int(raw[2 * level])
                let line = Int(raw[2 * level + 1])
                guard function < functions.count else { continue }
                let known = functions[function]
                if known.file.hasPrefix(ownPrefix) { continue }
                frames.append(ProfileFrame(function: known.name, file: known.file, line: line, firstLine: known.firstLine))
            }
            if frames.isEmpty { continue }   // only pyinspect's own code ran
            let state: SampleState = info.state == Int32(PYI_PROFILE_GIL_WAIT)
                ? .gilWait : info.state == Int32(PYI_PROFILE_OFF_CPU) ? .offCPU : .cpu
            let key = Key(task: Int(info.task), nativeID: Int(info.native_id), state: state, frames: frames)
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += Int(info.count)
        }
        let stacks = order.map { key in
            let task = key.task >= 0 && key.task < tasks.count ? tasks[key.task] : nil
            return ProfileStack(
                thread: "", nativeID: key.nativeID, task: task?.name, coroutine: task?.coroutine, frames: key.frames,
                state: key.state, count: counts[key] ?? 0)
        }
        return ProfileCapture(
            stacks: ProfileStacks(rateHz: totals.rate_hz, durationS: Double(totals.duration_ns) / 1e9, stacks: stacks),
            ticks: totals.ticks, missedTicks: totals.missed_ticks, idle: totals.idle, dropped: totals.dropped,
            truncated: totals.truncated, gilStates: gilStates)
    }

    /// Parent side: names the threads, adds the `profile` section (and the raw stacks for the exports), or a
    /// diagnostic saying why it is missing.
    static func addSection(to report: inout Report, requested: Bool, capture: ProfileCapture?, hostThreads: [Int64: String]) {
        guard requested else { return }
        guard var capture else {
            report.diagnostics.append(Diagnostic(.warning, "no profile: the target ended before pyinspect could save its samples (os._exit, a crash or a kill), or profiling could not start"))
            return
        }
        var names: [Int: String] = [:]
        for thread in report.threads { if let id = thread.nativeId { names[Int(id)] = thread.name } }
        if let pid = report.pid { names[Int(pid)] = "MainThread" }
        for index in capture.stacks.stacks.indices {
            let id = capture.stacks.stacks[index].nativeID
            capture.stacks.stacks[index].thread = names[id] ?? "Thread \(id)"
        }
        capture.stacks.stacks.removeAll { hostThreads[Int64($0.nativeID)] != nil }
        report.profile = ProfileAnalysis.section(
            capture.stacks, dropped: Int(capture.dropped), ticks: Int(capture.ticks), missedTicks: Int(capture.missedTicks))
        report.profileStacks = capture.stacks
        if capture.dropped > 0 {
            let kept = capture.stacks.stacks.reduce(0) { $0 + $1.count }
            report.diagnostics.append(Diagnostic(.note, "profile: \(capture.dropped) samples dropped (frames changed while read, or the tables were full), \(kept) kept"))
        }
        if capture.truncated > 0 {
            report.diagnostics.append(Diagnostic(.note, "profile: \(capture.truncated) samples had stacks deeper than the sampler follows; their innermost frames are kept"))
        }
        if !capture.gilStates {
            report.diagnostics.append(Diagnostic(.note, "profile: the GIL tracer was not exact, so no sample is marked gil_wait (waiting threads count as cpu or off_cpu)"))
        }
    }
}

extension ProfileRun {
    /// Parent side, after the report is made: the flame graph page, speedscope and folded-stacks files asked for.
    /// One line per file that could not be written; a run with no samples writes files with none, and says so.
    static func writeExports(options: ProfileOptions, report: Report) -> [String] {
        guard options.htmlPath != nil || options.speedscopePath != nil || options.collapsedPath != nil else { return [] }
        guard let stacks = report.profileStacks else {
            return ["no profile to export: the target ended before its samples were saved (see the report's diagnostics)"]
        }
        let title = report.target.map { ([$0.value] + $0.arguments).joined(separator: " ") } ?? "pyinspect profile"
        return ProfileExports.write(
            stacks: stacks, title: title, htmlPath: options.htmlPath, speedscopePath: options.speedscopePath,
            collapsedPath: options.collapsedPath)
    }
}
