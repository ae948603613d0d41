/// What `pyinspect profile` (or `run --profile`) asked of the sampler.
public struct ProfileOptions: Sendable, Equatable {
    /// Samples per second, per thread.
    public var rateHz: Double

    public static let defaultRateHz = 100.0
    /// Beyond this the sampler's own reads would cost more than the aims allow (docs/profile.md).
    public static let maximumRateHz = 10_000.0

    public init(rateHz: Double = ProfileOptions.defaultRateHz) {
        self.rateHz = rateHz
    }

    /// nil when the rate is usable; else the one-line reason.
    public static func rateProblem(_ rate: Double) -> String? {
        rate >= 1 && rate <= maximumRateHz && rate.isFinite
            ? nil : "--rate must be between 1 and \(Int(maximumRateHz)) samples per second"
    }
}
