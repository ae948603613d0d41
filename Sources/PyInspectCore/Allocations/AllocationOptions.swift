/// `run --allocations` / `--alloc-sample SIZE`.
public enum AllocationOptions {
    /// One sample per 256 KiB allocated on average: a site allocating 10 MB gets about 40 samples (estimates
    /// within roughly 15%), and sampling costs one subtraction per allocation.
    public static let defaultSampleBytes: UInt64 = 256 * 1024

    /// `--alloc-sample` values: a size as `--memory-limit` takes them (`64K`, `1M`, `4096`); 1 = every allocation.
    public static func sampleBytes(_ text: String) throws -> UInt64 {
        try MemorySize.parse(text, option: "--alloc-sample", minimum: 1, minimumText: "1 (every allocation)")
    }
}
