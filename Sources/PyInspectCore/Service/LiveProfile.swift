import CPythonShim

/// `pyinspect top`'s busiest functions: the running profile's on-CPU samples by function since it started
/// (`run --profile`), read by the control worker from the sampler's tables; `top` takes the differences.
public struct LiveProfile: Codable, Sendable, Equatable {
    public var cpuSamples: UInt64
    /// The functions with the most self samples, most first.
    public var functions: [Function]

    public struct Function: Codable, Sendable, Equatable {
        public var function: String
        public var file: String
        public var line: Int
        public var selfSamples: UInt64
        public var totalSamples: UInt64
        enum CodingKeys: String, CodingKey {
            case function, file, line, selfSamples = "self_samples", totalSamples = "total_samples"
        }
    }

    enum CodingKeys: String, CodingKey { case cpuSamples = "cpu_samples", functions }

    /// Enough functions that one turning busy shows in the next frame's differences, few enough to stay a
    /// small reply.
    static let kept: UInt32 = 200

    /// nil when no profile runs in this process. pyinspect's own helpers (`helperDirectory`) are left out.
    static func current(helperDirectory: String) -> LiveProfile? {
        var rows = [pyi_profile_live_function](repeating: pyi_profile_live_function(), count: Int(kept))
        var samples: UInt64 = 0
        let count = pyi_profile_live_functions(&rows, kept, &samples)
        guard count >= 0 else { return nil }
        let ownPrefix = helperDirectory.hasSuffix("/") ? helperDirectory : helperDirectory + "/"
        // One function can have several entries in the sampler's tables (one per code object resolved): they
        // merge by name, file and line, as the report's do (ProfileRun.collect).
        var merged: [Function] = []
        var index: [String: Int] = [:]
        for row in rows.prefix(Int(count)) {
            var name: UnsafePointer<CChar>?
            var file: UnsafePointer<CChar>?
            var firstLine: Int32 = 0
            guard pyi_profile_function(row.function, &name, &file, &firstLine) == 0, let name, let file else { continue }
            let path = String(cString: file)
            if path.hasPrefix(ownPrefix) { continue }
            let function = String(cString: name)
            let key = "\(function)\u{0}\(path)\u{0}\(firstLine)"
            if let at = index[key] {
                merged[at].selfSamples += row.self_samples
                merged[at].totalSamples += row.total_samples
            } else {
                index[key] = merged.count
                merged.append(Function(function: function, file: path, line: Int(firstLine),
                                       selfSamples: row.self_samples, totalSamples: row.total_samples))
            }
        }
        return LiveProfile(cpuSamples: samples, functions: merged.sorted { $0.selfSamples > $1.selfSamples })
    }
}
