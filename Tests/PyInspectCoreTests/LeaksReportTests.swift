import Foundation
import Testing

@testable import PyInspectCore

/// The leaks report's renderers on a hand-made report: JSON keys CI relies on, the summary's order, JUnit.
@Suite struct LeaksReportTests {
    func sample() -> Report {
        var report = Report(command: "leaks", verdict: .leak, exitStatus: ExitStatus.leakFound)
        report.target = TargetInfo(kind: "function", value: "app.py:handler", arguments: [])
        var leak = LeakFinding(
            kind: "objects", site: SourceSite(file: "app.py", line: 12),
            traceback: [StackFrame(file: "app.py", line: 12, function: "", code: "CACHE[k] = {'a': 1}")],
            types: [LeakType(name: "dict", count: 6, perCall: 1)], bytesPerCall: 232, objectsPerCall: 1)
        leak.chain = [ChainStep(type: "module", via: "", repr: "module app"),
                      ChainStep(type: "dict", via: ".CACHE", repr: "{...}")]
        report.leaks = [leak]
        report.leakHunt = LeakHuntSection(
            warmupCalls: 2, calls: 150, targetSeconds: 0.1, stoppedBy: "decided",
            signals: [LeakSignal(name: "blocks", trend: .growing, growthPerCall: 2, series: [10, 12, 14])])
        return report
    }

    @Test func jsonHasTheFieldsCIReliesOn() throws {
        let data = try ReportJSON.encode(sample())
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["verdict"] as? String == "leak")
        let leak = try #require((object["leaks"] as? [[String: Any]])?.first)
        for key in ["kind", "site", "traceback", "types", "bytes_per_call", "objects_per_call", "chain"] {
            #expect(leak[key] != nil, "\(key)")
        }
        #expect((leak["site"] as? [String: Any])?["line"] as? Int == 12)
        let hunt = try #require(object["leak_hunt"] as? [String: Any])
        #expect(((hunt["signals"] as? [[String: Any]])?.first?["series"] as? [Int]) == [10, 12, 14])
    }

    @Test func summaryVerdictFirstThenSiteThenChain() {
        let text = LeaksSummary.render(sample())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("pyinspect leaks: LEAK") == true)
        let site = lines.firstIndex { $0.contains("site: app.py:12") }
        let chain = lines.firstIndex { $0.contains(".CACHE → dict") }
        #expect(site != nil && chain != nil && site! < chain!, "\(text)")
    }

    @Test func summaryShowsTheStoredAtLineAndTheTraceback() {
        var report = sample()
        var leak = report.leaks![0]
        leak.traceback = [StackFrame(file: "app.py", line: 5, function: "", code: "self.blob = bytearray(9)"),
                          StackFrame(file: "app.py", line: 12, function: "handler", code: "item = make()")]
        leak.site = SourceSite(file: "app.py", line: 5)
        leak.storedAt = SourceSite(file: "app.py", line: 18)
        leak.storedTraceback = [StackFrame(file: "app.py", line: 18, function: "keep", code: "self.items.append(x)")]
        report.leaks = [leak]
        let text = LeaksSummary.render(report)
        #expect(text.contains("stored at: app.py:18  self.items.append(x)"), "\(text)")
        #expect(text.contains("traceback (innermost first):"), "\(text)")
        #expect(text.contains("app.py:12 in handler  item = make()"), "\(text)")
        let json = String(decoding: (try? ReportJSON.encode(report)) ?? Data(), as: UTF8.self)
        #expect(json.contains("\"stored_at\""), "\(json)")
    }

    @Test func aBoundedCacheIsCleanWithItsReason() {
        var report = sample()
        report.verdict = .clean
        report.leaks = []
        report.leakHunt?.bounded = [LeakBoundedHolder(
            holder: "lru_cache render", bound: 256, size: 170,
            chain: [ChainStep(type: "module", via: "", repr: "module app"),
                    ChainStep(type: "functools._lru_cache_wrapper", via: ".render", repr: "<lru>")],
            types: [], site: SourceSite(file: "app.py", line: 9))]
        let text = LeaksSummary.render(report)
        #expect(text.contains("CLEAN"), "\(text)")
        #expect(text.contains("bounded: fills to 256 — lru_cache render holds 170 now"), "\(text)")
        #expect(LeaksHTMLReport.render(report).contains("Bounded: fills to 256"))
    }

    @Test func junitFailsOnALeakAndPassesWhenClean() {
        #expect(LeaksSummary.junitCase(sample()).failure == "objects leak at app.py:12")
        var clean = sample()
        clean.verdict = .clean
        clean.leaks = []
        #expect(LeaksSummary.junitCase(clean).failure == nil)
    }
}
