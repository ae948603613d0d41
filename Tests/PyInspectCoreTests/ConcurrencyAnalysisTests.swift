import PyInspectCore
import Testing

/// `unbounded_concurrency` decided from hand-made `task_sites` records: no Python involved.
@Suite struct ConcurrencyAnalysisTests {
    typealias Site = TaskSitesRecord.Site
    let here = SourceSite(file: "/app/x.py", line: 12)

    func findings(_ site: Site, fdLimit: Int? = 1024) -> [Finding] {
        ConcurrencyAnalysis.findings(TaskSitesRecord(sites: [site], fdLimit: fdLimit))
    }

    @Test func thousandsActiveFromOneGatherAreAFindingWithABound() throws {
        let site = Site(site: here, created: 10000, peak: 10000, burst: 10000, peakActive: 9000, peakIO: 0)
        let finding = try #require(findings(site).first)
        #expect(finding.kind == "unbounded_concurrency")
        #expect(finding.site == here)
        #expect(finding.count == 10000)
        #expect(finding.fix?.contains("asyncio.Semaphore(100)") == true)  // no I/O seen: the starting point
        #expect(finding.message.contains("10000 of them in one step"))
    }

    @Test func theBoundFollowsTheTasksSeenDoingIOAndTheDescriptorLimit() {
        let io = Site(site: here, created: 5000, peak: 5000, burst: 5000, peakActive: 5000, peakIO: 180)
        #expect(ConcurrencyAnalysis.suggestedBound(io, fdLimit: 1024) == 180)
        #expect(ConcurrencyAnalysis.suggestedBound(io, fdLimit: 400) == 100)
        let exhausted = Site(site: here, created: 300, peak: 300, burst: 300, fdErrors: 40, peakActive: 300, peakIO: 260)
        #expect(ConcurrencyAnalysis.suggestedBound(exhausted, fdLimit: 256) == 64)
    }

    @Test func descriptorsExhaustedByAHundredTasksAreAFinding() throws {
        let site = Site(site: here, created: 300, peak: 300, burst: 300, fdErrors: 44)
        let finding = try #require(findings(site, fdLimit: 256).first)
        #expect(finding.message.contains("44 failed with too many open files (EMFILE, limit 256)"))
        #expect(finding.fix?.contains("Semaphore(64)") == true)
    }

    @Test func aWorkerPoolABoundedGatherAndAServersConnectionsAreNot() {
        let pool = Site(site: here, created: 50, peak: 50, burst: 50)
        let bounded = Site(site: here, created: 5000, peak: 5000, burst: 5000, peakActive: 51, peakIO: 0)
        let server = Site(site: here, created: 5000, peak: 5000, burst: 1, connections: true, peakActive: 5000, peakIO: 5000)
        let unsampled = Site(site: here, created: 5000, peak: 5000, burst: 5000)  // done before a look: never active long
        for site in [pool, bounded, server, unsampled] {
            #expect(findings(site).isEmpty)
        }
    }

    @Test func theTableKeepsEverySiteAndOnlyMeaningfulFlags() {
        let record = TaskSitesRecord(
            sites: [Site(site: here, created: 3, peak: 2, burst: 1),
                    Site(site: here, created: 9, peak: 9, burst: 1, connections: true, fdErrors: 2)], fdLimit: nil)
        let table = ConcurrencyAnalysis.table(record)
        #expect(table.count == 2)
        #expect(table[0].connections == nil && table[0].fdErrors == nil)
        #expect(table[1].connections == true && table[1].fdErrors == 2)
    }
}
