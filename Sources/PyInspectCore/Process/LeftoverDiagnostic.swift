/// The report's word on processes of the target's tree that pyinspect had to kill when the target ended.
enum LeftoverDiagnostic {
    static let listed = 5

    /// nil when nothing was left running. A note when pyinspect stopped the target (timeout, deadlock: its
    /// children go with it), a warning when the target ended by itself and left them behind.
    static func diagnostic(outcome: ChildOutcome) -> Diagnostic? {
        let killed = outcome.killedDescendants
        guard !killed.isEmpty else { return nil }
        let stopped = outcome.killedBySupervisor || outcome.ending == .exited(ExitStatus.timeout)
            || outcome.ending == .exited(ExitStatus.deadlock)
        let names = killed.prefix(listed).map { "\($0.pid) (\(printable($0.command, limit: 60)))" }
        let more = killed.count > listed ? " and \(killed.count - listed) more" : ""
        let count = killed.count == 1 ? "1 process of the target's tree was" : "\(killed.count) processes of the target's tree were"
        let when = stopped ? "when pyinspect stopped the target" : "after the target ended"
        return Diagnostic(
            stopped ? .note : .warning,
            "\(count) still running \(when): pyinspect killed them (SIGKILL) so that none outlives it: "
                + names.joined(separator: ", ") + more)
    }
}
