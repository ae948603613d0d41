/// Everything `pyinspect compare` was asked to do.
public struct CompareRequest: Sendable {
    public static let startMethods = ["spawn", "forkserver", "fork"]

    /// `file.py:function` or `module:function`; called as `function(i)` for i in range(tasks).
    public var target: String
    public var tasks: Int
    public var workers: Int
    public var startMethod: String
    /// Rounds of all three modes; nil: adaptive (3 to 7, within `budgetSeconds`).
    public var rounds: Int?
    public var budgetSeconds: Double
    public var jsonPath: String?
    public var htmlPath: String?
    public var junitPath: String?
    public var quiet: Bool

    public init(
        target: String, tasks: Int = 8, workers: Int, startMethod: String = "spawn", rounds: Int? = nil,
        budgetSeconds: Double = 30, jsonPath: String? = nil, htmlPath: String? = nil, junitPath: String? = nil,
        quiet: Bool = false
    ) {
        self.target = target
        self.tasks = tasks
        self.workers = workers
        self.startMethod = startMethod
        self.rounds = rounds
        self.budgetSeconds = budgetSeconds
        self.jsonPath = jsonPath
        self.htmlPath = htmlPath
        self.junitPath = junitPath
        self.quiet = quiet
    }

    /// Checks what can be checked without Python; a `UsageError` says what is wrong in one line.
    public func validated() throws -> CompareRequest {
        let parts = target.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, let name = parts.last, !name.isEmpty, !parts.dropLast().joined(separator: ":").isEmpty
        else {
            throw UsageError("target must be file.py:function or module:function, not '\(target)'")
        }
        guard tasks >= 1 else { throw UsageError("--tasks must be at least 1") }
        guard workers >= 1 && workers <= 512 else { throw UsageError("--workers must be between 1 and 512") }
        guard Self.startMethods.contains(startMethod) else {
            throw UsageError("--start-method must be spawn, forkserver or fork, not '\(startMethod)'")
        }
        if let rounds, !(1...50).contains(rounds) { throw UsageError("--rounds must be between 1 and 50") }
        return self
    }
}
