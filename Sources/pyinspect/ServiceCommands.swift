import ArgumentParser
import FoundationEssentials
import Glibc
import PyInspectCore

/// The service commands (docs/services.md): talk to a `pyinspect run` target over its control socket.
enum ServiceCommand {
    /// Asks, then prints text or writes `--json`; returns the exit status.
    static func ask(_ target: String, _ request: ControlRequest, key: String, json: String?, text: (String) throws -> String) -> Int32 {
        do {
            let body = try ControlClient.ask(target, request)
            if let json {
                if let problem = ServiceText.writeJSON(key: key, body: body, to: json) {
                    writeError(problem)
                    return ExitStatus.internalError
                }
                if json == "-" { return ExitStatus.success }
            }
            print(try text(body), terminator: "")
            return ExitStatus.success
        } catch let failure as ControlClient.Failure {
            writeError(failure.description)
            return failure.status
        } catch {
            writeError("cannot read the target's reply: \(error)")
            return ExitStatus.internalError
        }
    }
}

extension PyInspectCommand {
    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record memory, a type census, live allocation sites and counts in a running target.")
        @Argument(help: "The target: its control socket's path, or pyinspect's pid.") var target: String
        @Option(help: "A name for the checkpoint (default checkpoint-N).") var name: String?
        @Option(help: ArgumentHelp("Write the checkpoint as JSON (- for stdout).", valueName: "file")) var json: String?

        func run() throws {
            throw ExitCode(ServiceCommand.ask(target, .checkpoint(name: name), key: "checkpoint", json: json) {
                ServiceText.checkpoint(try ControlClient.decode(CheckpointSummary.self, $0))
            })
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What grew between two checkpoints: sites, types with reference chains, counts, a verdict.")
        @Argument(help: "The target: its control socket's path, or pyinspect's pid.") var target: String
        @Argument(help: "From this checkpoint (name or number; default: the one before the last).") var from: String?
        @Argument(help: "To this checkpoint (default: the last one, or now).") var to: String?
        @Option(help: ArgumentHelp("Write the `diff` section as JSON (- for stdout).", valueName: "file")) var json: String?

        func run() throws {
            throw ExitCode(ServiceCommand.ask(target, .diff(from: from, to: to), key: "diff", json: json) {
                ServiceText.diff(try ControlClient.decode(DiffSection.self, $0))
            })
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every thread's Python stack and every asyncio task of a running target, without stopping it.")
        @Argument(help: "The target: its control socket's path, or pyinspect's pid.") var target: String
        @Option(help: ArgumentHelp("Write the dump as JSON (- for stdout).", valueName: "file")) var json: String?

        func run() throws {
            throw ExitCode(ServiceCommand.ask(target, .dump, key: "dump", json: json) {
                ServiceText.dump(try ControlClient.decode(ServiceText.Dump.self, $0))
            })
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a checkpoint on a schedule and print each diff with the one before.")
        @Argument(help: "The target: its control socket's path, or pyinspect's pid.") var target: String
        @Option(help: ArgumentHelp("Seconds between checkpoints (30, 30s, 2m).", valueName: "interval")) var every: String = "30s"
        @Option(help: "Stop after this many checkpoints (default: until the target ends).") var count: Int?

        func validate() throws {
            guard Self.seconds(every) != nil else { throw ValidationError("--every must be a duration such as 30s or 2m") }
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        }

        static func seconds(_ text: String) -> Double? {
            var digits = Substring(text)
            var unit = 1.0
            if digits.hasSuffix("ms") { unit = 0.001; digits = digits.dropLast(2) }
            else if digits.hasSuffix("s") { digits = digits.dropLast() }
            else if digits.hasSuffix("m") { unit = 60; digits = digits.dropLast() }
            guard let value = Double(digits), value > 0, value.isFinite else { return nil }
            return value * unit
        }

        func run() throws {
            let interval = Self.seconds(every) ?? 30
            var taken = 0
            while count.map({ taken < $0 }) ?? true {
                if taken > 0 {
                    var request = timespec(tv_sec: Int(interval), tv_nsec: Int((interval - Double(Int(interval))) * 1e9))
                    var remaining = timespec()
                    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
                }
                let status = ServiceCommand.ask(target, .checkpoint(name: nil), key: "checkpoint", json: nil) {
                    ServiceText.checkpoint(try ControlClient.decode(CheckpointSummary.self, $0))
                }
                taken += 1
                if status == ExitStatus.controlTargetMissing && taken > 1 { throw ExitCode(ExitStatus.success) }
                guard status == ExitStatus.success || status == ExitStatus.controlBusy else { throw ExitCode(status) }
                if taken > 1 {
                    _ = ServiceCommand.ask(target, .diff(from: nil, to: nil), key: "diff", json: nil) {
                        ServiceText.diff(try ControlClient.decode(DiffSection.self, $0))
                    }
                }
                fflush(stdout)
            }
        }
    }
}
