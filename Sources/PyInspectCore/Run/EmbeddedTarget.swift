import CPythonShim
import Foundation

/// The child side of `pyinspect run`: starts the interpreter as python3 would for the target, installs the
/// instruments, runs the target's main, and returns its exit code. Runs in the supervised child process.
enum EmbeddedTarget {
    struct PrepareReply: Decodable {
        var ok: Bool
        var problem: String?
        var message: String?
    }

    static func run(request: RunRequest, helper: PythonHelper, capturePath: String) -> Int32 {
        let interpreter = PythonPaths.childInterpreter()
        let argv = request.target.pythonArgv(program: interpreter)
        let anchor = PythonPaths.pathAnchor(environment: ProcessInfo.processInfo.environment)
        let startCode = startInterpreter(argv: argv, anchor: anchor, sysExecutable: interpreter)
        if startCode != 0 { return startCode }

        let prepareArgument = PrepareArgument(
            capture: capturePath, target: .init(kind: request.target.kind.rawValue, value: request.target.value),
            hangs: !request.noHangMonitor)
        let reply: PrepareReply
        do {
            reply = try helper.call("host", "prepare", json: prepareArgument, as: PrepareReply.self)
        } catch {
            writeError("cannot install instruments: \(error)")
            return ExitStatus.internalError
        }
        if !reply.ok {
            writeError(reply.message ?? "cannot run the target")
            return reply.problem == "syntax_error" ? ExitStatus.targetSyntaxError : ExitStatus.targetNotFound
        }
        if let seconds = request.timeoutSeconds {
            TimeoutWatchdog.start(seconds: seconds, helper: helper, dumpPath: capturePath + ".stacks")
        }
        if !request.noHangMonitor {
            HangMonitor.start(helper: helper)
        }
        return pyi_run_main()
    }

    private struct PrepareArgument: Encodable {
        struct Target: Encodable {
            var kind: String
            var value: String
        }
        var capture: String
        var target: Target
        var hangs: Bool
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

/// One line on stderr, the form of every pyinspect error.
public func writeError(_ message: String) {
    FileHandle.standardError.write(Data("pyinspect: error: \(message)\n".utf8))
}
