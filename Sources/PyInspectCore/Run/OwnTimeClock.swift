import Glibc

/// Wall time minus the time the calling thread spent runnable but waiting for a CPU (the second field of
/// /proc/thread-self/schedstat). Budgets measured on it do not shrink on a loaded machine: the leak hunt's
/// 2.5 s once ended after too few calls to see a leak that steps once every 25 calls.
struct OwnTimeClock {
    private let startedNs: UInt64
    private let delayAtStartNs: UInt64

    init() {
        startedNs = Self.wallNs()
        delayAtStartNs = Self.runQueueDelayNs() ?? 0
    }

    /// Seconds since `init`, less the CPU waits since then (plain wall time where schedstat is missing).
    var seconds: Double {
        let wall = Self.wallNs() &- startedNs
        let waited = Self.runQueueDelayNs().map { $0 &- delayAtStartNs } ?? 0
        return Double(waited < wall ? wall - waited : 0) / 1e9
    }

    private static func wallNs() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    static func runQueueDelayNs() -> UInt64? {
        let fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 96)
        let got = read(fd, &buffer, buffer.count)
        guard got > 0 else { return nil }
        let fields = buffer[..<got].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2 else { return nil }
        return UInt64(String(decoding: fields[1], as: UTF8.self))
    }
}
