/// How a supervised child ended, and what the kernel measured of it (its own and its reaped children's usage).
public struct ChildOutcome: Equatable, Sendable {
    public enum Ending: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
    }

    public var ending: Ending
    public var wallSeconds: Double
    public var userCPUSeconds: Double
    public var systemCPUSeconds: Double
    /// Peak resident set size, bytes.
    public var peakRSSBytes: Int64
    /// The supervisor's deadline expired (the child may still have ended by itself afterwards).
    public var deadlineExpired: Bool
    /// The supervisor had to SIGKILL the child.
    public var killedBySupervisor: Bool
    /// A signal sent to pyinspect and passed on to the child (SIGTERM, SIGHUP, SIGINT by kill).
    public var forwardedSignal: Int32
    /// Processes of the child's tree still running after it ended (daemons, workers never joined): pyinspect
    /// killed them so that none outlives it.
    public var killedDescendants: [LeftoverProcess]

    public init(
        ending: Ending, wallSeconds: Double, userCPUSeconds: Double = 0, systemCPUSeconds: Double = 0,
        peakRSSBytes: Int64 = 0, deadlineExpired: Bool = false, killedBySupervisor: Bool = false,
        forwardedSignal: Int32 = 0, killedDescendants: [LeftoverProcess] = []
    ) {
        self.ending = ending
        self.wallSeconds = wallSeconds
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
        self.peakRSSBytes = peakRSSBytes
        self.deadlineExpired = deadlineExpired
        self.killedBySupervisor = killedBySupervisor
        self.forwardedSignal = forwardedSignal
        self.killedDescendants = killedDescendants
    }

    /// The status a shell would show for this child.
    public var shellStatus: Int32 {
        switch ending {
        case .exited(let code): return code
        case .signaled(let signal): return ExitStatus.killedBySignal(signal)
        }
    }
}
