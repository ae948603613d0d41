/// pyinspect's exit statuses: a public interface (README, docs/exit-status.md). Where the target ran to an end of
/// its own, `run` exits with the target's own status, as python3 would; the values below are chosen away
/// from the statuses Python programs commonly use.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// `leaks`: at least one leak was found.
    public static let leakFound: Int32 = 1
    /// `deps`: the check failed the same way: at least one dependency conflict was found (docs/deps.md).
    public static let dependencyConflict: Int32 = 1
    /// A bad command line: unknown option, malformed target spec.
    public static let usage: Int32 = 64
    /// The target does not compile (SyntaxError before it ran).
    public static let targetSyntaxError: Int32 = 65
    /// The script, module or function to run does not exist.
    public static let targetNotFound: Int32 = 66
    /// The target raised where pyinspect needed it to return (`leaks`, `compare`).
    public static let targetRaised: Int32 = 67
    /// Services (`checkpoint`, `diff`, `dump`, `watch`): no pyinspect target answers at that socket or pid.
    public static let controlTargetMissing: Int32 = 68
    /// Services: the target's control socket refused this user (another uid, or no permission on the socket).
    public static let controlRefused: Int32 = 77
    /// Services: the target could not answer now (its GIL is held in a C call); try again.
    public static let controlBusy: Int32 = 75
    /// pyinspect itself failed (Python would not start, a capture could not be read).
    public static let internalError: Int32 = 70
    /// A deadlock was detected and the target stopped.
    public static let deadlock: Int32 = 123
    /// `--timeout` expired and the target was stopped.
    public static let timeout: Int32 = 124
    /// The target was stopped by `--memory-limit`.
    public static let memoryLimit: Int32 = 125
    /// Ctrl-C / SIGINT, as python3 reports it.
    public static let interrupted: Int32 = 130

    /// A target killed by signal `n` is reported as a shell would: 128 + n.
    public static func killedBySignal(_ signal: Int32) -> Int32 { 128 + signal }
}
