/// The records every run writes, read from a parsed capture line field by field (CaptureFields says why not
/// Decodable). The keys are the types' CodingKeys, which the JSON report also uses; CaptureFieldsTests checks
/// that each reads what the Decodable decoding reads.
extension PythonInfo {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            version: try fields.string("version"), implementation: try fields.string("implementation"),
            executable: try fields.string("executable"), prefix: try fields.string("prefix"),
            basePrefix: try fields.string("base_prefix"), virtualenv: try fields.bool("virtualenv"))
    }
}

extension GCSummary {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            collections: try fields.array("collections").map { try CaptureFields.integer($0, Int.self, "collections") },
            collected: try fields.integer("collected", as: Int.self),
            uncollectable: try fields.integer("uncollectable", as: Int.self),
            pauseTotalS: try fields.double("pause_total_s"), pauseMaxS: try fields.double("pause_max_s"),
            enabledAtEnd: try fields.bool(ifPresent: "enabled_at_end"))
    }
}

extension ThreadInfo {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            name: try fields.string("name"), ident: try fields.integer(ifPresent: "ident", as: UInt64.self),
            nativeId: try fields.integer(ifPresent: "native_id", as: Int64.self),
            daemon: try fields.bool(ifPresent: "daemon"), startedS: try fields.double(ifPresent: "started_s"),
            endedS: try fields.double(ifPresent: "ended_s"))
    }
}

extension StackFrame {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            file: try fields.string("file"), line: try fields.integer("line", as: Int.self),
            function: try fields.string("function"), code: try fields.string(ifPresent: "code"))
    }
}

extension ExceptionInfo {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            type: try fields.string("type"), module: try fields.string(ifPresent: "module"),
            message: try fields.string("message"),
            stack: try fields.array(ifPresent: "stack")?.map { try StackFrame(capture: $0) })
    }
}

extension InstrumentState {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init()
        gcEnabled = try fields.bool(ifPresent: "gc_enabled")
        gcCallback = try fields.bool(ifPresent: "gc_callback")
        tracemalloc = try fields.bool(ifPresent: "tracemalloc")
        profile = try fields.bool(ifPresent: "profile")
        trace = try fields.bool(ifPresent: "trace")
        stdoutReplaced = try fields.bool(ifPresent: "stdout_replaced")
        stderrReplaced = try fields.bool(ifPresent: "stderr_replaced")
        closedFds = try fields.array(ifPresent: "closed_fds")?.map { try CaptureFields.integer($0, Int.self, "closed_fds") }
        cwd = try fields.string(ifPresent: "cwd")
        signalHandlers = try fields.array(ifPresent: "signal_handlers")?.map {
            try CaptureFields.string($0, "signal_handlers")
        }
    }
}

extension InstrumentStates {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            start: try fields.present("start").map { try InstrumentState(capture: $0) },
            end: try fields.present("end").map { try InstrumentState(capture: $0) })
    }
}

extension RunCapture.EndRecord {
    init(capture value: CaptureJSON) throws {
        let fields = try CaptureFields(value)
        self.init(
            reason: try fields.string("reason"), gc: try fields.present("gc").map { try GCSummary(capture: $0) },
            threads: try fields.array("threads").map { try ThreadInfo(capture: $0) },
            exception: try fields.present("exception").map { try ExceptionInfo(capture: $0) },
            instruments: try fields.present("instruments").map { try InstrumentStates(capture: $0) })
    }
}
