/// The tracer's log-scale histograms (gil_internal.h, `pyi_gil_histogram_bucket`): buckets 0–3 hold exactly
/// 0–3 ns; above that, four buckets per power of two, so a percentile is known within about 19%.
public enum GILHistogram {
    public static let bucketCount = 256

    /// The bucket's range of nanoseconds, [lower, upper).
    public static func bounds(bucket: Int) -> (lower: Double, upper: Double) {
        if bucket < 4 { return (Double(bucket), Double(bucket + 1)) }
        let msb = bucket / 4 + 1
        let sub = bucket % 4
        let step = Double(UInt64(1) << UInt64(msb - 2))
        let lower = Double(4 + sub) * step
        return (lower, lower + step)
    }

    public static func bucket(ns: UInt64) -> Int {
        if ns < 4 { return Int(ns) }
        let msb = 63 - ns.leadingZeroBitCount
        return (msb - 1) * 4 + Int((ns >> UInt64(msb - 2)) & 3)
    }

    /// The `fraction` quantile (0...1) in nanoseconds from sparse [bucket, count] pairs counted in units of
    /// `1 / ticksPerNs` ns, interpolated within its bucket and capped at the exact maximum; nil when empty.
    public static func quantile(_ sparse: [[UInt64]], _ fraction: Double, maxNs: UInt64, ticksPerNs: Double = 1)
        -> Double?
    {
        let scale = ticksPerNs > 0 ? ticksPerNs : 1
        let pairs = sparse.compactMap { $0.count == 2 ? (bucket: Int($0[0]), count: $0[1]) : nil }
            .sorted { $0.bucket < $1.bucket }
        let total = pairs.reduce(UInt64(0)) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = fraction * Double(total)
        var seen = 0.0
        for pair in pairs {
            let next = seen + Double(pair.count)
            if next >= rank {
                let range = bounds(bucket: pair.bucket)
                let within = pair.count > 0 ? (rank - seen) / Double(pair.count) : 0
                return min((range.lower + (range.upper - range.lower) * within) / scale, Double(maxNs))
            }
            seen = next
        }
        return Double(maxNs)
    }
}
