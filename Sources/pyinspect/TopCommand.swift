import ArgumentParser
import FoundationEssentials
import Glibc
import PyInspectCore

/// A signal that ends `top` (SIGINT when Ctrl-C is no key, SIGTERM, SIGHUP): the loop sees it, restores the
/// terminal and exits. Thread-safety: written by the handler, read by the one loop.
nonisolated(unsafe) private var topStopSignal: sig_atomic_t = 0

extension PyInspectCommand {
    struct Top: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A live view of a running target: memory, gc, GIL by thread, threads, tasks, fds.",
            discussion: """
                Refreshed every --interval seconds; q or Ctrl-C quits and leaves the target running. When stdout is \
                not a terminal, prints one plain frame per interval (or one with --once).
                """)
        @Argument(help: "The target: its control socket's path, or pyinspect's pid.") var target: String
        @Option(help: ArgumentHelp("Seconds between frames.", valueName: "seconds")) var interval: Double = 1
        @Flag(help: "Print one frame and exit.") var once = false
        @Option(help: "Stop after this many frames.") var count: Int?
        @Option(help: ArgumentHelp("Write the last frame as JSON (- for stdout).", valueName: "file")) var json: String?

        func validate() throws {
            guard interval >= 0.1, interval <= 3600, interval.isFinite else {
                throw ValidationError("--interval must be between 0.1 and 3600 seconds")
            }
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        }

        func run() throws {
            throw ExitCode(TopLoop(target: target, interval: interval, frames: once ? 1 : count, json: json).run())
        }
    }
}

/// The loop of `top`: ask for the target's counters, draw a frame, wait for the next one or a key.
struct TopLoop {
    var target: String
    var interval: Double
    var frames: Int?
    var json: String?

    func run() -> Int32 {
        let live = isatty(STDOUT_FILENO) == 1 && frames != 1
        let terminal = TerminalMode()
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number) { topStopSignal = $0 } }
        signal(SIGPIPE, SIG_IGN)
        if live {
            _ = terminal.enterRawKeys()
            fputs("\u{1b}[?1049h\u{1b}[?25l", stdout)  // the alternate screen, no cursor
        }
        var message: String?
        let status = loop(live: live, keys: terminal.active, message: &message)
        if live {
            fputs("\u{1b}[?25h\u{1b}[?1049l", stdout)
            terminal.restore()
        }
        fflush(stdout)
        if let message { writeError(message) }
        return status
    }

    private func loop(live: Bool, keys: Bool, message: inout String?) -> Int32 {
        var previous: TopStats?
        var drawn = 0
        while true {
            if topStopSignal != 0 { return topStopSignal == SIGINT ? ExitStatus.success : 128 + topStopSignal }
            let frame: TopFrame
            do {
                let stats = try ControlClient.decode(TopStats.self, try ControlClient.ask(target, .stats))
                frame = TopFrame.make(current: stats, previous: previous)
                previous = stats
            } catch let failure as ControlClient.Failure {
                if failure.status == ExitStatus.controlBusy && frames != 1 {
                    draw(["pyinspect top: \(failure.description)"], live: live)
                    if let key = waitForKeyOrTick(keys: keys), key == "q" || key == "\u{03}" { return ExitStatus.success }
                    continue
                }
                message = drawn > 0 && failure.status == ExitStatus.controlTargetMissing
                    ? "the target ended: its control socket \(ControlPaths.socket(forTarget: target)) is gone" : failure.description
                return failure.status
            } catch {
                message = "cannot read the target's reply: \(error)"
                return ExitStatus.internalError
            }
            draw(frame.lines(width: live ? TerminalMode.columns() : 200, interval: interval), live: live)
            drawn += 1
            if let json, let text = frame.jsonText(), let problem = ServiceText.writeJSON(key: "top", body: text, to: json) {
                message = problem
                return ExitStatus.internalError
            }
            if let frames, drawn >= frames { return ExitStatus.success }
            if let key = waitForKeyOrTick(keys: keys), key == "q" || key == "Q" || key == "\u{03}" {
                return ExitStatus.success
            }
        }
    }

    private func draw(_ lines: [String], live: Bool) {
        if live {
            fputs("\u{1b}[H\u{1b}[2J" + lines.joined(separator: "\n"), stdout)  // the terminal adds the \r
        } else {
            fputs(lines.joined(separator: "\n") + "\n\n", stdout)
        }
        fflush(stdout)
    }

    /// Waits one interval; returns the first key pressed meanwhile (then at once), nil at the tick or a signal.
    private func waitForKeyOrTick(keys: Bool) -> Character? {
        let deadline = monotonicSeconds() + interval
        while topStopSignal == 0 {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return nil }
            guard keys else {
                var pause = timespec(tv_sec: Int(left), tv_nsec: Int((left - Double(Int(left))) * 1e9))
                _ = nanosleep(&pause, nil)  // a signal cuts it short
                continue
            }
            var ready = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var byte: UInt8 = 0
            let got = read(STDIN_FILENO, &byte, 1)
            if got == 0 { return "q" }  // the terminal went away
            if got == 1 { return Character(Unicode.Scalar(byte)) }
        }
        return nil
    }
}
