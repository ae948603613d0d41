import FoundationEssentials

/// What the target process saved of a profile: the stacks, and how far the sampler can be trusted.
/// Written by the target (`ProfileRun.finish`) next to the capture, read by the parent.
public struct ProfileCapture: Codable, Sendable, Equatable {
    /// Thread names are left empty by the target; the parent names them from the threads it knows.
    public var stacks: ProfileStacks
    public var ticks: UInt64
    public var missedTicks: UInt64
    /// Thread samples with no Python frame (a thread in start-up or shut-down): not counted.
    public var idle: UInt64
    /// Thread samples dropped because the frames changed while read, or the tables were full.
    public var dropped: UInt64
    /// Stacks deeper than the sampler's walk bound (their innermost frames are kept).
    public var truncated: UInt64
    /// The GIL tracer ran exactly, so `gil_wait` could be told from `cpu`.
    public var gilStates: Bool

    enum CodingKeys: String, CodingKey {
        case stacks, ticks, missedTicks = "missed_ticks", idle, dropped, truncated, gilStates = "gil_states"
    }

    public static func path(capturePath: String) -> String { capturePath + ".profile.json" }

    /// nil when the target saved nothing (os._exit, a crash, a kill).
    public static func read(capturePath: String) -> ProfileCapture? {
        guard let data = FileManager.default.contents(atPath: path(capturePath: capturePath)) else { return nil }
        return try? JSONDecoder().decode(ProfileCapture.self, from: data)
    }
}
