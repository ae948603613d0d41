import Foundation
import Testing

/// Ctrl-C and SIGTERM during `leaks`, `gil` and `compare`: what was measured is kept, every requested report is
/// written with verdict `interrupted`, and the exit status is 130 (SIGINT) or 143 (SIGTERM).
/// Each fixture creates the file named by PYINSPECT_TEST_MARKER once it has done some work and then blocks or
/// spins until stopped: the tests wait for that file, never for a time.
@Suite struct InterruptTests {
    let fixtures = BinaryHarness.fixtures.appendingPathComponent("interrupt").path

    // ---- leaks

    @Test func leaksSigintToPyinspectKeepsTheSeries() throws {
        let end = try Interrupted.run(
            ["leaks", "--calls", "1000", "\(fixtures)/leaks_then_blocks.py:step"], reports: [.json, .html, .junit],
            signal: SIGINT, to: .pyinspect)
        expectLeaksSeries(end, status: 130, signal: "SIGINT")
    }

    @Test func leaksSigintToTheProcessGroupKeepsTheSeries() throws {
        let end = try Interrupted.run(
            ["leaks", "--calls", "1000", "\(fixtures)/leaks_then_blocks.py:step"], reports: [.json],
            signal: SIGINT, to: .processGroup)
        expectLeaksSeries(end, status: 130, signal: "SIGINT")
    }

    @Test func leaksCtrlCOnATerminalKeepsTheSeries() throws {
        let end = try Interrupted.run(
            ["leaks", "--calls", "1000", "\(fixtures)/leaks_then_blocks.py:step"], reports: [.json],
            signal: SIGINT, to: .terminal)
        expectLeaksSeries(end, status: 130, signal: "SIGINT")
    }

    @Test func leaksSigtermKeepsTheSeries() throws {
        let end = try Interrupted.run(
            ["leaks", "--calls", "1000", "\(fixtures)/leaks_then_blocks.py:step"], reports: [.json, .html],
            signal: SIGTERM, to: .pyinspect)
        expectLeaksSeries(end, status: 143, signal: "SIGTERM")
    }

    @Test func leaksInterruptedDuringAttributionKeepsTheDecidedHunt() throws {
        let end = try Interrupted.run(
            ["leaks", "\(fixtures)/leaks_blocks_in_attribution.py:step"], reports: [.json, .junit],
            signal: SIGINT, to: .pyinspect)
        #expect(end.status == 130, "stderr: \(end.stderr)")
        #expect(end.reportsMissing.isEmpty, "missing: \(end.reportsMissing); stderr: \(end.stderr)")
        #expect(end.schemaProblems == nil, "\(end.schemaProblems ?? "")")
        guard let report = end.report else { return }
        #expect(report["verdict"] as? String == "interrupted")
        let hunt = report["leak_hunt"] as? [String: Any]
        // The hunt itself ended (decided or budget) before attribution started.
        #expect(hunt?["stopped_by"] as? String != "interrupted")
        let blocks = (hunt?["signals"] as? [[String: Any]])?.first { $0["name"] as? String == "blocks" }
        #expect(blocks?["trend"] as? String == "growing", "\(String(describing: hunt))")
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        #expect(leaks.contains { ($0["message"] as? String ?? "").contains("interrupted during attribution") }, "\(leaks)")
    }

    func expectLeaksSeries(_ end: Interrupted.End, status: Int32, signal: String) {
        #expect(end.status == status, "stderr: \(end.stderr)")
        #expect(end.reportsMissing.isEmpty, "missing: \(end.reportsMissing); stderr: \(end.stderr)")
        #expect(end.schemaProblems == nil, "\(end.schemaProblems ?? "")")
        guard let report = end.report else { return }
        #expect(report["verdict"] as? String == "interrupted")
        #expect(report["exit_status"] as? Int == Int(status))
        let hunt = report["leak_hunt"] as? [String: Any]
        #expect(hunt?["stopped_by"] as? String == "interrupted")
        // The fixture blocks from its 13th call: every call before it was measured (warm-up included).
        let calls = hunt?["calls"] as? Int ?? 0
        let warmup = hunt?["warmup_calls"] as? Int ?? 0
        #expect(calls + warmup == 12, "\(String(describing: hunt))")
        let signals = hunt?["signals"] as? [[String: Any]] ?? []
        #expect(!signals.isEmpty)
        for entry in signals {
            #expect((entry["series"] as? [Any])?.count == calls + 1, "\(entry)")
        }
        let diagnostics = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(diagnostics.contains { $0.contains("interrupted by \(signal)") && $0.contains("\(calls) measured calls") },
                "\(diagnostics)")
        #expect(end.stderr.contains("INTERRUPTED"), "stderr: \(end.stderr)")
        if let html = end.html { #expect(html.contains("interrupted by \(signal) after")) }
    }

    // ---- gil

    @Test func gilSigintToPyinspectKeepsTheFigures() throws {
        let end = try Interrupted.run(
            ["gil", "\(fixtures)/gil_spinning.py"], reports: [.json, .html], signal: SIGINT, to: .pyinspect)
        expectGILFigures(end, status: 130)
    }

    @Test func gilSigintToTheProcessGroupKeepsTheFigures() throws {
        let end = try Interrupted.run(
            ["gil", "\(fixtures)/gil_spinning.py"], reports: [.json, .html], signal: SIGINT, to: .processGroup)
        expectGILFigures(end, status: 130)
    }

    @Test func gilCtrlCOnATerminalKeepsTheFigures() throws {
        let end = try Interrupted.run(
            ["gil", "\(fixtures)/gil_spinning.py"], reports: [.json, .html], signal: SIGINT, to: .terminal)
        expectGILFigures(end, status: 130)
    }

    @Test func gilSigtermKeepsTheFigures() throws {
        let end = try Interrupted.run(
            ["gil", "\(fixtures)/gil_spinning.py"], reports: [.json, .html], signal: SIGTERM, to: .pyinspect)
        expectGILFigures(end, status: 143)
    }

    func expectGILFigures(_ end: Interrupted.End, status: Int32) {
        #expect(end.status == status, "stderr: \(end.stderr)")
        #expect(end.reportsMissing.isEmpty, "missing: \(end.reportsMissing); stderr: \(end.stderr)")
        #expect(end.schemaProblems == nil, "\(end.schemaProblems ?? "")")
        guard let report = end.report else { return }
        #expect(report["verdict"] as? String == "interrupted")
        let gil = report["gil"] as? [String: Any]
        let threads = gil?["threads"] as? [[String: Any]] ?? []
        // Both threads had done a unit of work before the marker appeared.
        #expect(threads.count >= 2, "\(String(describing: gil)); stderr: \(end.stderr)")
        #expect((gil?["duration_s"] as? Double ?? 0) > 0)
        if let html = end.html { #expect(html.contains("Interrupted (exit status \(status))")) }
    }

    // ---- compare

    @Test func compareSigintToPyinspectKeepsTheModesMeasured() throws {
        let end = try Interrupted.run(
            ["compare", "--tasks", "4", "--workers", "2", "\(fixtures)/compare_then_blocks.py:work"],
            reports: [.json, .html, .junit], signal: SIGINT, to: .pyinspect)
        expectSerialKept(end, status: 130, signal: "SIGINT")
    }

    @Test func compareSigintToTheProcessGroupKeepsTheModesMeasured() throws {
        let end = try Interrupted.run(
            ["compare", "--tasks", "4", "--workers", "2", "\(fixtures)/compare_then_blocks.py:work"],
            reports: [.json], signal: SIGINT, to: .processGroup)
        expectSerialKept(end, status: 130, signal: "SIGINT")
    }

    @Test func compareCtrlCOnATerminalKeepsTheModesMeasured() throws {
        let end = try Interrupted.run(
            ["compare", "--tasks", "4", "--workers", "2", "\(fixtures)/compare_then_blocks.py:work"],
            reports: [.json, .junit], signal: SIGINT, to: .terminal)
        expectSerialKept(end, status: 130, signal: "SIGINT")
    }

    @Test func compareSigtermKeepsTheModesMeasured() throws {
        let end = try Interrupted.run(
            ["compare", "--tasks", "4", "--workers", "2", "\(fixtures)/compare_then_blocks.py:work"],
            reports: [.json, .html], signal: SIGTERM, to: .pyinspect)
        expectSerialKept(end, status: 143, signal: "SIGTERM")
    }

    func expectSerialKept(_ end: Interrupted.End, status: Int32, signal: String) {
        #expect(end.status == status, "stderr: \(end.stderr)")
        #expect(end.reportsMissing.isEmpty, "missing: \(end.reportsMissing); stderr: \(end.stderr)")
        #expect(end.schemaProblems == nil, "\(end.schemaProblems ?? "")")
        guard let report = end.report else { return }
        #expect(report["verdict"] as? String == "interrupted")
        let modes = (report["compare"] as? [String: Any])?["modes"] as? [String: Any] ?? [:]
        // Serial ran to its end; the thread pool was where the fixture blocked.
        #expect(modes.keys.sorted() == ["serial"], "\(modes)")
        let serial = modes["serial"] as? [String: Any]
        #expect((serial?["wall_s"] as? Double ?? 0) > 0)
        let diagnostics = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(diagnostics.contains { $0.contains("interrupted by \(signal) during round 1 (threads)") }, "\(diagnostics)")
        if let html = end.html { #expect(html.contains("Interrupted: no recommendation")) }
    }
}

/// Starts `pyinspect`, waits for the fixture's marker file, sends a signal, collects the end and the reports.
enum Interrupted {
    enum Report: CaseIterable { case json, html, junit }

    /// Who gets the signal.
    enum Recipient {
        /// `kill -INT <pyinspect pid>`: only pyinspect, which passes it on.
        case pyinspect
        /// `kill -INT -<pgid>` with pyinspect leading its own process group: pyinspect and the target.
        case processGroup
        /// pyinspect in its own session on a pseudo-terminal, and ^C typed on it: the kernel signals the
        /// terminal's foreground process group, as a shell's Ctrl-C does.
        case terminal
    }

    struct End {
        var status: Int32
        var stderr: String
        var report: [String: Any]?
        var reportsMissing: [Report]
        /// What scripts/validate_report.py said when the JSON report did not match docs/report.schema.json.
        var schemaProblems: String?
        /// The HTML page, when one was asked for.
        var html: String?
    }

    static func run(_ arguments: [String], reports: [Report], signal: Int32, to recipient: Recipient) throws -> End {
        let directory = NSTemporaryDirectory() + "pyinspect-interrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let marker = directory + "/marker"
        var full = [BinaryHarness.binary, arguments[0]]
        let paths: [Report: String] = [.json: directory + "/report.json", .html: directory + "/report.html",
                                       .junit: directory + "/report.xml"]
        for kind in reports {
            full += ["--\(kind)", paths[kind] ?? ""]
        }
        full += arguments.dropFirst()
        var environment = ProcessInfo.processInfo.environment
        environment["PYINSPECT_TEST_MARKER"] = marker
        let stderrPath = directory + "/stderr"
        let spawned = try Spawned(full, environment: environment, stdoutPath: directory + "/stdout",
                                  stderrPath: stderrPath, recipient: recipient)
        // The fixture's own event; a pyinspect that ended first fails here instead of hanging.
        let reached = spawned.waitFor(file: marker, seconds: 300)
        let stderrSoFar = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        #expect(reached, "the marker never appeared; stderr: \(stderrSoFar)")
        spawned.send(signal)
        let status = spawned.wait()
        var end = End(status: status, stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "",
                      report: nil, reportsMissing: [])
        for kind in reports {
            guard let path = paths[kind], let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                end.reportsMissing.append(kind)
                continue
            }
            if kind == .html { end.html = String(decoding: data, as: UTF8.self) }
            if kind == .json {
                end.report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                let validation = try ReportSchemaTests.validate(path)
                if validation.status != 0 { end.schemaProblems = validation.output }
            }
        }
        return end
    }
}

/// A process started with posix_spawn (so it can lead its own process group or session), output to files.
final class Spawned {
    let pid: pid_t
    let recipient: Interrupted.Recipient
    /// The pseudo-terminal's controlling side, for `.terminal`.
    private var terminal: Int32 = -1
    private var status: Int32?

    init(_ argv: [String], environment: [String: String], stdoutPath: String, stderrPath: String,
         recipient: Interrupted.Recipient) throws {
        self.recipient = recipient
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default dispositions and an empty mask, whatever the test runner's thread had.
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        var slavePath: String?
        switch recipient {
        case .pyinspect: break
        case .processGroup:
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        case .terminal:
            // A new session; opening the terminal (without O_NOCTTY) then makes it the session's controlling one.
            // Glibc's module hides POSIX_SPAWN_SETSID and posix_openpt (_GNU_SOURCE): their Linux values.
            flags |= 0x80  // POSIX_SPAWN_SETSID
            terminal = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            var unlock: Int32 = 0
            var number: Int32 = -1
            guard terminal >= 0, ioctl(terminal, UInt(0x4004_5431), &unlock) == 0,  // TIOCSPTLCK
                ioctl(terminal, UInt(0x8004_5430), &number) == 0  // TIOCGPTN
            else {
                throw SpawnError(reason: "no pseudo-terminal: \(String(cString: strerror(errno)))")
            }
            slavePath = "/dev/pts/\(number)"
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        if let slavePath {
            posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var child: pid_t = 0
        let failed = posix_spawn(&child, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard failed == 0 else {
            throw SpawnError(reason: "cannot start \(argv[0]): \(String(cString: strerror(failed)))")
        }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = wait()
        }
        if terminal >= 0 { close(terminal) }
    }

    /// Polls for `file` until it exists (true), the process ends, or `seconds` pass (false).
    func waitFor(file: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: file) { return true }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = Spawned.decode(raw)
                return false
            }
            usleep(20_000)
        }
        return false
    }

    func send(_ signal: Int32) {
        guard status == nil else { return }
        switch recipient {
        case .pyinspect: kill(pid, signal)
        case .processGroup: kill(-pid, signal)
        case .terminal:
            // The terminal's interrupt character (^C by default) makes the kernel send SIGINT.
            var character: UInt8 = signal == SIGINT ? 3 : 28
            _ = write(terminal, &character, 1)
        }
    }

    /// Waits for the end: the status a shell shows (128 + N when killed by signal N).
    func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let decoded = Spawned.decode(raw)
        status = decoded
        return decoded
    }

    static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
