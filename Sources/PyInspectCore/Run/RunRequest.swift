/// Everything `pyinspect run` was asked to do.
public struct RunRequest: Sendable {
    public var target: RunTarget
    /// Stop the target after this many seconds and report every thread's stack.
    public var timeoutSeconds: Double?
    public var jsonPath: String?
    public var quiet: Bool
    /// GIL tracing (`pyinspect gil`, `run --gil`); nil: off.
    public var gil: GILOptions?
    /// The subcommand the report names.
    public var command = "run"

    public init(target: RunTarget, timeoutSeconds: Double? = nil, jsonPath: String? = nil, quiet: Bool = false) {
        self.target = target
        self.timeoutSeconds = timeoutSeconds
        self.jsonPath = jsonPath
        self.quiet = quiet
    }
}
