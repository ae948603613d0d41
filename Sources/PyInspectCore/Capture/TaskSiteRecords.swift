import FoundationEssentials

/// The `task_sites` record (pyscripts/pyinspect/task_sites.py, issue 18): asyncio tasks per creation site,
/// written once when the target ends or is stopped.
public struct TaskSitesRecord: Codable, Sendable, Equatable {
    public struct Site: Codable, Sendable, Equatable {
        /// The program's line that created them (for tasks asyncio made itself, the coroutine's definition).
        public var site: SourceSite
        public var created: Int
        /// The most alive (created, not done) at once: exact.
        public var peak: Int
        /// The most created by one step (one task's step or one callback): a gather, a loop without an await.
        public var burst: Int
        /// Made while a transport handed over a new connection (a server's handlers and what they create).
        public var connections: Bool
        /// Tasks that ended with EMFILE/ENFILE (file descriptors exhausted).
        public var fdErrors: Int
        /// Sampled (every 0.5 s, while 200 or more were alive): the most started and not queued in one of the
        /// program's asyncio primitives at once, and the most of them waiting in asyncio's socket/stream code.
        public var peakActive: Int?
        public var peakIO: Int?
        public init(site: SourceSite, created: Int, peak: Int, burst: Int, connections: Bool = false,
                    fdErrors: Int = 0, peakActive: Int? = nil, peakIO: Int? = nil) {
            self.site = site
            self.created = created
            self.peak = peak
            self.burst = burst
            self.connections = connections
            self.fdErrors = fdErrors
            self.peakActive = peakActive
            self.peakIO = peakIO
        }
        enum CodingKeys: String, CodingKey {
            case site, created, peak, burst, connections, fdErrors = "fd_errors", peakActive = "peak_active",
                peakIO = "peak_io"
        }
    }

    public var sites: [Site]
    /// The process's soft RLIMIT_NOFILE when it ended.
    public var fdLimit: Int?
    public init(sites: [Site], fdLimit: Int?) {
        self.sites = sites
        self.fdLimit = fdLimit
    }
    enum CodingKeys: String, CodingKey { case sites, fdLimit = "fd_limit" }
}

extension RunCapture {
    /// The `task_sites` record, when the target created asyncio tasks.
    public var taskSites: TaskSitesRecord? { decodeRecords("task_sites").last }
}
