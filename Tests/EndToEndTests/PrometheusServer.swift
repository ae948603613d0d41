import Foundation

/// A real Prometheus server (Debian's `prometheus` package) for MetricsTests: its configuration and storage in
/// the test's temporary directory, scraping one target every second, its web API on a free loopback port. The
/// test stops it (also when an expectation failed: `defer { server.stop() }`).
final class PrometheusServer {
    let process = Process()
    let port: UInt16
    let logPath: String
    private var stopped = false

    static let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Missing: Error, CustomStringConvertible {
        var description = "prometheus not found: `make` installs Debian's prometheus package"
    }

    private init(port: UInt16, logPath: String) {
        self.port = port
        self.logPath = logPath
    }

    static func start(directory: String, target: String) throws -> PrometheusServer {
        guard let binary else { throw Missing() }
        let config = directory + "/prometheus.yml"
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: pyinspect
                static_configs:
                  - targets: ['\(target)']

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = PrometheusServer(port: try MetricsHTTPClient.freePort(), logPath: directory + "/prometheus.log")
        FileManager.default.createFile(atPath: server.logPath, contents: Data())
        server.process.executableURL = URL(fileURLWithPath: binary)
        server.process.arguments = [
            "--config.file=\(config)", "--storage.tsdb.path=\(directory)/tsdb",
            "--web.listen-address=127.0.0.1:\(server.port)", "--log.level=warn",
        ]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: server.logPath))
        server.process.standardOutput = log
        server.process.standardError = log
        server.process.standardInput = FileHandle.nullDevice
        try server.process.run()
        return server
    }

    struct Series {
        var job: String
        var value: Double
    }

    /// Polls the query API until `metric` has a sample, or the deadline passes (nil).
    func waitForSeries(_ metric: String, deadlineSeconds: Double) -> Series? {
        let deadline = Date().addingTimeInterval(deadlineSeconds)
        while Date() < deadline, process.isRunning {
            if let reply = try? MetricsHTTPClient.get(port: port, path: "/api/v1/query?query=\(metric)"), reply.status == 200,
                let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
                let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
                let first = result.first, let labels = first["metric"] as? [String: String],
                let value = first["value"] as? [Any], value.count == 2, let text = value[1] as? String, let number = Double(text)
            {
                return Series(job: labels["job"] ?? "", value: number)
            }
            // The API answers every call at once; this only keeps the poll from spinning between its scrapes.
            usleep(200_000)
        }
        return nil
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
