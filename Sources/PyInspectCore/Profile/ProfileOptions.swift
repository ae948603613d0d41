/// What `pyinspect profile` (or `run --profile`) asked of the sampler.
public struct ProfileOptions: Sendable, Equatable {
    /// Samples per second, per thread.
    public var rateHz: Double

    public static let defaultRateHz = 100.0
    /// Beyond this the sampler's own reads would cost more than the aims allow (docs/profile.md).
    public static let maximumRateHz = 10_000.0

    /// `profile --html`: the flame graph page (ProfileHTMLReport).
    public var htmlPath: String?
    /// `profile --speedscope`: speedscope's file format (ProfileSpeedscope).
    public var speedscopePath: String?
    /// `profile --collapsed`: folded stacks for flamegraph.pl and inferno (ProfileCollapsed).
    public var collapsedPath: String?

    public init(rateHz: Double = ProfileOptions.defaultRateHz, htmlPath: String? = nil, speedscopePath: String? = nil,
                collapsedPath: String? = nil) {
        self.rateHz = rateHz
        self.htmlPath = htmlPath
        self.speedscopePath = speedscopePath
        self.collapsedPath = collapsedPath
    }

    /// The export paths made absolute (the target may change directory; the files are written by the parent).
    func absolutePaths(_ absolute: (String) -> String) -> ProfileOptions {
        var copy = self
        copy.htmlPath = htmlPath.map(absolute)
        copy.speedscopePath = speedscopePath.map(absolute)
        copy.collapsedPath = collapsedPath.map(absolute)
        return copy
    }

    /// nil when the rate is usable; else the one-line reason.
    public static func rateProblem(_ rate: Double) -> String? {
        rate >= 1 && rate <= maximumRateHz && rate.isFinite
            ? nil : "--rate must be between 1 and \(Int(maximumRateHz)) samples per second"
    }
}
