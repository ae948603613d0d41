import Foundation
import Testing
@testable import PyInspectCore

/// The profile's exports from recorded stacks (Tests/Fixtures/profile/sample_stacks.json: MainThread 125
/// samples with work_a 70 / work_b 30 and two asyncio tasks 16 / 4, worker-1 75 of which 35 GIL wait, sleeper
/// 100 off CPU, and a function named `</script><img src=x onerror=alert(1)>`). No Python.
struct ProfileExportsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/profile/sample_stacks.json")
    static let hostile = "</script><img src=x onerror=alert(1)>"

    static func sample() throws -> ProfileStacks {
        try JSONDecoder().decode(ProfileStacks.self, from: Data(contentsOf: fixture))
    }

    /// (folded path, count) per line; fails the test on a line that is not `path count`.
    static func lines(_ collapsed: String) -> [(path: String, count: Int)] {
        collapsed.split(separator: "\n").map { line in
            let space = line.lastIndex(of: " ")
            let count = space.flatMap { Int(line[line.index(after: $0)...]) }
            #expect(count != nil, "\(line)")
            return (String(line[..<(space ?? line.endIndex)]), count ?? -1)
        }
    }

    // MARK: collapsed

    @Test func collapsedSumsTheStatesOfOneStackAndKeepsEverySample() throws {
        // GIVEN the recorded stacks, WHEN folded
        let stacks = try Self.sample()
        let lines = Self.lines(ProfileCollapsed.render(stacks))
        // THEN work_a's two lines (cpu at line 10, gil_wait at line 11) are one line of 70, and nothing is lost
        let workA = "MainThread (tid 1001);<module> (/srv/app/app.py);main (/srv/app/app.py);step (/srv/app/app.py);work_a (/srv/app/app.py)"
        #expect(lines.filter { $0.path == workA }.map(\.count) == [70])
        #expect(lines.map(\.count).reduce(0, +) == 300)
        #expect(lines.map(\.path) == lines.map(\.path).sorted())
        #expect(lines.contains { $0.path.hasPrefix("MainThread (tid 1001);task fetch-1 (fetch);<module> ") && $0.count == 16 })
        #expect(lines.contains { $0.path.hasPrefix("sleeper (tid 3003);_bootstrap (") && $0.count == 100 })
    }

    @Test func collapsedWithLineNumbersKeepsLinesApart() throws {
        let lines = Self.lines(ProfileCollapsed.render(try Self.sample(), lineNumbers: true))
        #expect(lines.contains { $0.path.hasSuffix(";work_a (/srv/app/app.py:10)") && $0.count == 63 })
        #expect(lines.contains { $0.path.hasSuffix(";work_a (/srv/app/app.py:11)") && $0.count == 7 })
    }

    @Test func separatorsAndLineBreaksInNamesCannotSplitALine() {
        // GIVEN a function whose name holds the separator and line breaks, in a file whose path holds a semicolon
        let stack = ProfileStack(thread: "T;1", nativeID: 7, frames: [
            ProfileFrame(function: "a;b\nc\r\nd\te", file: "/x;y/m.py", line: 1),
        ], state: .cpu, count: 3)
        // WHEN folded
        let text = ProfileCollapsed.render(ProfileStacks(rateHz: 100, durationS: 1, stacks: [stack]))
        // THEN one line, two fields (thread; frame), the count last
        #expect(text == "T\u{FF1B}1 (tid 7);a\u{FF1B}b\\nc\\r\\nd e (/x\u{FF1B}y/m.py) 3\n")
    }

    @Test func emptyAndZeroCountStacksGiveNoLines() {
        let zero = ProfileStack(thread: "MainThread", nativeID: 1, frames: [ProfileFrame(function: "f", file: "f.py", line: 1)],
                                state: .cpu, count: 0)
        #expect(ProfileCollapsed.render(ProfileStacks(rateHz: 100, durationS: 0, stacks: [])) == "")
        #expect(ProfileCollapsed.render(ProfileStacks(rateHz: 100, durationS: 0, stacks: [zero])) == "")
    }

    // MARK: speedscope

    @Test func speedscopeHasOneSampledProfilePerThreadWeightedInSeconds() throws {
        // GIVEN the recorded stacks, WHEN exported for speedscope
        let text = try ProfileSpeedscope.render(try Self.sample(), name: "app.py")
        let file = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        // THEN the schema's required fields, one profile per thread, the busiest first on screen
        #expect(file["$schema"] as? String == "https://www.speedscope.app/file-format-schema.json")
        #expect(file["exporter"] as? String == "pyinspect" && file["name"] as? String == "app.py")
        let frames = try #require((file["shared"] as? [String: Any])?["frames"] as? [[String: Any]])
        let profiles = try #require(file["profiles"] as? [[String: Any]])
        #expect(profiles.map { $0["name"] as? String } == ["MainThread (tid 1001)", "worker-1 (tid 2002)", "sleeper (tid 3003)"])
        #expect(file["activeProfileIndex"] as? Int == 0)
        var seconds: [String: Double] = [:]
        for profile in profiles {
            #expect(profile["type"] as? String == "sampled" && profile["unit"] as? String == "seconds")
            let samples = try #require(profile["samples"] as? [[Int]])
            let weights = try #require(profile["weights"] as? [Double])
            #expect(samples.count == weights.count && !samples.isEmpty)
            #expect(samples.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < frames.count } })
            #expect(abs((profile["endValue"] as? Double ?? 0) - weights.reduce(0, +)) < 1e-9)
            for (stack, weight) in zip(samples, weights) {
                let leaf = frames[stack.last ?? 0]["name"] as? String ?? ""
                seconds[leaf, default: 0] += weight
            }
        }
        // 100 Hz: 70 samples are 0.70 s, the sleeper's 100 are 1 s; tasks are root frames of their stacks
        #expect(abs((seconds["work_a"] ?? 0) - 0.70) < 1e-9 && abs((seconds["work_b"] ?? 0) - 0.30) < 1e-9)
        #expect(abs((seconds["nap"] ?? 0) - 1.0) < 1e-9)
        #expect(frames.contains { $0["name"] as? String == "task fetch-1 (fetch)" && $0["file"] == nil })
        #expect(frames.contains { $0["name"] as? String == Self.hostile })
        // one entry per distinct frame
        let keys = frames.map { "\($0["name"] ?? "")|\($0["file"] ?? "")" }
        #expect(Set(keys).count == keys.count)
    }

    // MARK: top functions

    @Test func functionTotalsCountSelfTotalAndStatesOncePerSample() throws {
        let totals = ProfileFunctionTotals.of(try Self.sample())
        let workA = try #require(totals.first { $0.function == "work_a" })
        #expect(workA.selfSamples == 70 && workA.totalSamples == 70 && workA.cpu == 63 && workA.gilWait == 7)
        let main = try #require(totals.first { $0.function == "main" })
        #expect(main.selfSamples == 0 && main.totalSamples == 105)
        #expect(totals.first?.function == "nap" && totals.first?.offCPU == 100)
        // recursion: f → f → f counts once in total
        let recursive = ProfileStack(thread: "T", nativeID: 1, frames: Array(repeating: ProfileFrame(function: "f", file: "r.py", line: 2), count: 3),
                                     state: .cpu, count: 4)
        #expect(ProfileFunctionTotals.of(ProfileStacks(rateHz: 100, durationS: 1, stacks: [recursive]))
            == [ProfileFunctionTotals(function: "f", file: "r.py", selfSamples: 4, totalSamples: 4, cpu: 4)])
    }

    // MARK: HTML

    @Test func theHTMLPageEscapesTargetTextAndEmbedsItsDataAsJSON() throws {
        let page = try ProfileHTMLReport.render(try Self.sample(), title: "app.py <b>")
        #expect(page.contains("<td>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</td>"))
        #expect(page.contains("<code>app.py &lt;b&gt;</code>"))
        #expect(!page.contains("<img") && !page.contains("<b>"))
        // the page's own two scripts close; nothing from the target closes one
        #expect(page.components(separatedBy: "</script>").count == 3)
        let start = try #require(page.range(of: "<script type=\"application/json\" id=\"profile-data\">"))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        let data = try #require(try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
        #expect((data["threads"] as? [Any])?.count == 3)
        #expect((data["frames"] as? [[String: Any]])?.contains { $0["function"] as? String == Self.hostile } == true)
        #expect(page.contains("300 samples at 100 Hz over 1.20 s, 3 threads."))
        #expect(!page.contains("http://") && !page.contains("https://"), "self-contained: no link to fetch")
    }

    // MARK: writing

    @Test func exportsWriteTheFilesAskedForAndReportEachFailure() throws {
        let directory = NSTemporaryDirectory() + "pyinspect-profile-exports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stacks = try Self.sample()
        let errors = ProfileExports.write(stacks: stacks, title: "app.py", htmlPath: directory + "/p.html",
                                          speedscopePath: directory + "/p.speedscope.json", collapsedPath: directory + "/missing/p.folded")
        #expect(errors.count == 1 && errors.first?.hasPrefix("cannot write \(directory)/missing/p.folded: ") == true, "\(errors)")
        #expect(try String(contentsOfFile: directory + "/p.html", encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        #expect(try String(contentsOfFile: directory + "/p.speedscope.json", encoding: .utf8) == ProfileSpeedscope.render(stacks, name: "app.py"))
        #expect(ProfileExports.write(stacks: stacks, htmlPath: nil, speedscopePath: nil, collapsedPath: nil).isEmpty)
    }
}
