/// Everything `pyinspect run` was asked to do.
public struct RunRequest: Sendable {
    public var target: RunTarget
    /// Stop the target after this many seconds and report every thread's stack.
    public var timeoutSeconds: Double?
    public var jsonPath: String?
    public var quiet: Bool
    /// `--no-hangs`: no hang monitor, no lock or asyncio instruments (issue 6 features off).
    public var noHangMonitor: Bool = false

    public init(target: RunTarget, timeoutSeconds: Double? = nil, jsonPath: String? = nil, quiet: Bool = false) {
        self.target = target
        self.timeoutSeconds = timeoutSeconds
        self.jsonPath = jsonPath
        self.quiet = quiet
    }
}
