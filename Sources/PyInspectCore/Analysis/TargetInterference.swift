/// What the target did to the instruments or to its own process that a reader of the report should know:
/// switched off the garbage collector or its callbacks, stopped tracemalloc, set or cleared a profiler or a
/// tracer, replaced its streams, closed fd 0-2, changed directory, forked, installed signal handlers.
/// Pure: reads the capture's instrument states (start and end of the run) and audit records.
public enum TargetInterference {
    public static func diagnostics(capture: RunCapture) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let start = capture.end?.instruments?.start
        let end = capture.end?.instruments?.end
        if let end {
            if end.gcCallback == false, start?.gcCallback != false {
                found.append(Diagnostic(.warning, "the target removed pyinspect's gc callback (gc.callbacks): collections after that are not counted"))
            }
            if start?.tracemalloc == true, end.tracemalloc == false {
                found.append(Diagnostic(.warning, "the target stopped tracemalloc (tracemalloc.stop()): allocation tracebacks after that are missing"))
            }
            if start?.profile == true, end.profile == false {
                found.append(Diagnostic(.warning, "the target removed the profile function set before it ran (sys.setprofile(None))"))
            }
            if start?.trace == true, end.trace == false {
                found.append(Diagnostic(.warning, "the target removed the trace function set before it ran (sys.settrace(None))"))
            }
            if end.stdoutReplaced == true || end.stderrReplaced == true {
                let which = [end.stdoutReplaced == true ? "sys.stdout" : nil, end.stderrReplaced == true ? "sys.stderr" : nil]
                    .compactMap { $0 }.joined(separator: " and ")
                found.append(Diagnostic(.note, "the target replaced \(which); pyinspect's summary and report do not go through them"))
            }
            let closed = (end.closedFds ?? []).filter { !(start?.closedFds ?? []).contains($0) }
            if !closed.isEmpty {
                found.append(Diagnostic(.note, "the target closed fd \(closed.map(String.init).joined(separator: ", ")); the capture is written by path and the report by pyinspect's own process"))
            }
            if let before = start?.cwd, let after = end.cwd, before != after {
                found.append(Diagnostic(.note, "the target changed directory to \(after); relative report paths were resolved against \(before)"))
            }
            let handlers = (end.signalHandlers ?? []).filter { !(start?.signalHandlers ?? []).contains($0) }
            if !handlers.isEmpty {
                found.append(Diagnostic(.note, "the target installed its own signal handlers: \(handlers.joined(separator: ", ")); for those signals it decides how it ends"))
            }
        }
        for action in capture.targetActions {
            switch action {
            case "sys.setprofile":
                found.append(Diagnostic(.note, "the target called sys.setprofile: a profiler-based instrument would lose its events from then on"))
            case "sys.settrace":
                found.append(Diagnostic(.note, "the target called sys.settrace"))
            case "os.fork", "os.forkpty":
                found.append(Diagnostic(.note, "the target forked (\(action)): each forked process is measured on its own in `processes`; the target's own figures leave them out"))
            case "os.exec":
                found.append(Diagnostic(.note, "the target called os.exec*: the program it replaced itself with is not measured"))
            default:
                break
            }
        }
        return found
    }
}
