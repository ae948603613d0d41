/// `unbounded_concurrency` (issue 18, docs/hangs.md "Unbounded concurrency"): one creation site drives far more
/// tasks at once than the program can use. Pure: decides from the `task_sites` record.
public enum ConcurrencyAnalysis {
    /// Thousands alive and active at once from one site.
    public static let unboundedTasks = 1000
    /// With descriptors exhausted (EMFILE), fewer suffice to make it a finding.
    public static let exhaustingTasks = 100

    /// The report's table: every site, most alive at once first (as recorded).
    public static func table(_ record: TaskSitesRecord) -> [TaskSiteReport] {
        record.sites.map { site in
            TaskSiteReport(
                site: site.site, created: site.created, peak: site.peak, burst: site.burst,
                peakActive: site.peakActive, peakIO: site.peakIO, connections: site.connections ? true : nil,
                fdErrors: site.fdErrors > 0 ? site.fdErrors : nil)
        }
    }

    /// A site is unbounded when the program itself made its tasks (not a server answering connections: their
    /// number is the clients' to set) and either thousands of them were alive and active at once (started, not
    /// waiting their turn in a Semaphore, Lock, Queue, Event or Condition: a bounded gather or a worker pool is not),
    /// or at least a hundred were alive when some of them failed for lack of file descriptors.
    public static func isUnbounded(_ site: TaskSitesRecord.Site) -> Bool {
        guard !site.connections else { return false }
        let thousandsActive = site.peak >= unboundedTasks && (site.peakActive ?? 0) >= unboundedTasks
        let exhausted = site.fdErrors > 0 && site.peak >= exhaustingTasks
        return thousandsActive || exhausted
    }

    /// Without I/O, the suggested bound is at most this: a starting point to tune, not a measured optimum.
    public static let boundWithoutIO = 100

    /// The bound to suggest: no more than were seen waiting on I/O at once and, when they use sockets (or ran out
    /// of descriptors), no more than a quarter of the descriptor limit (the rest of the program needs some too);
    /// tasks seen doing no I/O: no more than were active at once, and at most `boundWithoutIO`.
    public static func suggestedBound(_ site: TaskSitesRecord.Site, fdLimit: Int?) -> Int {
        let io = site.peakIO ?? 0
        var bound: Int
        if io > 0 || site.fdErrors > 0 {
            bound = io > 0 ? io : (site.peakActive ?? site.peak)
            if let fdLimit, fdLimit > 0 { bound = min(bound, fdLimit / 4) }
        } else {
            bound = min(site.peakActive ?? site.peak, boundWithoutIO)
        }
        return max(1, bound)
    }

    public static func findings(_ record: TaskSitesRecord) -> [Finding] {
        record.sites.filter(isUnbounded).map { site in
            let bound = suggestedBound(site, fdLimit: record.fdLimit)
            let place = "\(site.site.file):\(site.site.line)"
            var what = "\(site.peak) tasks created at \(place) were alive at once (\(site.created) created"
            if site.burst >= unboundedTasks { what += ", \(site.burst) of them in one step" }
            what += ")"
            if let active = site.peakActive { what += "; \(active) at once were running or awaiting something other than their turn" }
            if let io = site.peakIO, io > 0 { what += ", \(io) waiting on sockets or streams" }
            if site.fdErrors > 0 {
                what += "; \(site.fdErrors) failed with too many open files (EMFILE"
                    + (record.fdLimit.map { ", limit \($0)" } ?? "") + ")"
            }
            let fix = "bound the concurrency: `sem = asyncio.Semaphore(\(bound))` and `async with sem:` around each "
                + "task's work, or \(bound) worker tasks taking items from an asyncio.Queue"
            var finding = Finding(kind: "unbounded_concurrency", message: "\(what): \(fix)")
            finding.site = site.site
            finding.count = site.peak
            finding.fix = fix
            return finding
        }
    }
}
