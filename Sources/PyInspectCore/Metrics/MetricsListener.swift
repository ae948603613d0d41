import CPythonShim
import Glibc

/// `pyinspect run`'s side of `--metrics`: the listening socket and the scrape counter, made before the fork (the
/// target inherits both), so a bad address or a port in use is one line and exit 64 before the target starts.
enum MetricsListener {
    struct Listening: Sendable {
        var fd: Int32
        /// HOST:PORT as bound.
        var address: String
        var counter: MetricsScrapeCounter
    }

    static func open(_ address: MetricsAddress) -> Result<Listening, UsageError> {
        let fd = pyi_metrics_listen(address.host, address.ipv6 ? 1 : 0, Int32(address.port))
        guard fd >= 0 else {
            let code = errno
            let why = code == EADDRINUSE ? "port \(address.port) is in use" : String(cString: strerror(code))
            return .failure(UsageError("--metrics \(address.text): \(why)"))
        }
        var bound = address
        bound.port = Int(pyi_metrics_bound_port(fd))
        return .success(Listening(fd: fd, address: bound.text, counter: MetricsScrapeCounter()))
    }
}

/// Scrapes answered by the target, counted in memory pyinspect shares with it (MAP_SHARED, mapped before the
/// fork): the count survives the target's end however it ends.
final class MetricsScrapeCounter: @unchecked Sendable {
    /// nil when the page could not be mapped (scrapes then read 0).
    let pointer: UnsafeMutablePointer<UInt64>?

    init() { pointer = pyi_metrics_shared_counter() }

    var value: UInt64 { pyi_metrics_counter_load(pointer) }
}
