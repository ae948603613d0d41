/// The run report's `metrics` section (`run --metrics`; docs/schema/metrics.schema.json): where the endpoint
/// listened and how many scrapes it answered.
public struct MetricsSection: Codable, Sendable, Equatable {
    /// HOST:PORT as bound (the port the system chose when 0 was asked).
    public var address: String
    /// Requests for /metrics answered.
    public var scrapes: UInt64

    public init(address: String, scrapes: UInt64) {
        self.address = address
        self.scrapes = scrapes
    }

    enum CodingKeys: String, CodingKey { case address, scrapes }
}
