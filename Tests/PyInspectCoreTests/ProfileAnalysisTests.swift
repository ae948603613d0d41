import Foundation
@testable import PyInspectCore
import Testing

/// The `profile` section's maths on hand-built ProfileStacks: no Python, no sampler.
@Suite struct ProfileAnalysisTests {
    let file = "/home/user/app.py"

    func frame(_ function: String, _ line: Int, file: String? = nil, first: Int? = nil) -> ProfileFrame {
        ProfileFrame(function: function, file: file ?? self.file, line: line, firstLine: first)
    }

    func stack(_ frames: [ProfileFrame], _ state: SampleState = .cpu, _ count: Int, thread: String = "MainThread",
               id: Int = 1, task: String? = nil, coroutine: String? = nil) -> ProfileStack {
        ProfileStack(thread: thread, nativeID: id, task: task, coroutine: coroutine, frames: frames, state: state, count: count)
    }

    func function(_ section: ProfileSection, _ name: String) -> ProfileFunction? {
        section.functions.first { $0.function == name }
    }

    @Test func selfAndTotalFollowTheInnermostAndEveryFrame() throws {
        // GIVEN 70 samples in main > seven > unit and 30 in main > three > unit
        let main = frame("<module>", 20, first: 1)
        let stacks = ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([main, frame("seven", 14, first: 13), frame("unit", 9, first: 6)], .cpu, 70),
            stack([main, frame("three", 19, first: 18), frame("unit", 9, first: 6)], .cpu, 30),
        ])
        // WHEN
        let section = ProfileAnalysis.section(stacks)
        // THEN unit is all self time; seven and three carry 0.7 and 0.3 of the total; lines name the function start
        #expect(section.samples == 100)
        #expect(section.activeSamples == 100)
        let unit = try #require(function(section, "unit"))
        #expect(unit.selfFraction == 1 && unit.totalFraction == 1 && unit.line == 6)
        #expect(function(section, "seven")?.totalFraction == 0.7)
        #expect(function(section, "seven")?.selfFraction == 0)
        #expect(function(section, "three")?.totalFraction == 0.3)
        #expect(function(section, "<module>")?.totalFraction == 1)
        #expect(section.functions.first?.function == "unit")
        #expect(section.lines.first.map { ($0.line, $0.fraction) } ?? (0, 0) == (9, 1))
    }

    @Test func recursionCountsOncePerSample() {
        let stacks = ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("f", 2), frame("f", 3), frame("f", 3), frame("g", 8)], .cpu, 10),
            stack([frame("h", 12)], .cpu, 10),
        ])
        let section = ProfileAnalysis.section(stacks)
        #expect(function(section, "f")?.totalFraction == 0.5)
        #expect(function(section, "g")?.selfFraction == 0.5)
        // Without a first line, a function is named by the first line sampled in it.
        #expect(function(section, "f")?.line == 2)
    }

    @Test func offCPUSamplesAreIdleInSelfAndTotalButShowInTheSplit() throws {
        // GIVEN a busy thread (40 cpu, 10 gil_wait) and a sleeper (45 off_cpu, 5 gil_wait)
        let stacks = ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("busy", 5)], .cpu, 40), stack([frame("busy", 5)], .gilWait, 10),
            stack([frame("sleeper", 9)], .offCPU, 45, thread: "sleeper", id: 2),
            stack([frame("sleeper", 9)], .gilWait, 5, thread: "sleeper", id: 2),
        ])
        let section = ProfileAnalysis.section(stacks)
        #expect(section.samples == 100 && section.activeSamples == 55)
        let busy = try #require(function(section, "busy"))
        #expect(abs(busy.selfFraction - 50.0 / 55) < 0.001)
        #expect(busy.cpuFraction == 0.8 && busy.gilWaitFraction == 0.2 && busy.offCPUFraction == 0)
        let sleeper = try #require(function(section, "sleeper"))
        #expect(abs(sleeper.selfFraction - 5.0 / 55) < 0.001)
        #expect(sleeper.offCPUFraction == 0.9 && sleeper.gilWaitFraction == 0.1)
        // Threads: every sample of theirs, split by state, busiest first.
        #expect(section.threads.map(\.name) == ["MainThread", "sleeper"])
        #expect(section.threads[1].samples == 50 && section.threads[1].offCPUFraction == 0.9)
        #expect(section.threads[0].cpuFraction == 0.8)
        // A line only ever waited on off CPU is not a hot line.
        let onlyBlocked = ProfileAnalysis.section(ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("sleeper", 9)], .offCPU, 45)]))
        #expect(onlyBlocked.lines.isEmpty && onlyBlocked.activeSamples == 0)
        #expect(onlyBlocked.functions.first?.selfFraction == 0)
    }

    @Test func tasksShareTheActiveSamples() {
        let stacks = ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("heavy_steps", 3)], .cpu, 80, task: "heavy", coroutine: "heavy_steps"),
            stack([frame("light_steps", 9)], .cpu, 20, task: "light", coroutine: "light_steps"),
            stack([frame("light_steps", 9)], .offCPU, 50, task: "light", coroutine: "light_steps"),
        ])
        let section = ProfileAnalysis.section(stacks)
        #expect(section.tasks.map(\.name) == ["heavy", "light"])
        #expect(section.tasks.map(\.totalFraction) == [0.8, 0.2])
        #expect(section.tasks.first?.coroutine == "heavy_steps")
    }

    @Test func userCodeIsNeitherTheStandardLibraryNorPyinspect() {
        #expect(ProfileAnalysis.isUserFile("/home/user/app.py"))
        #expect(ProfileAnalysis.isUserFile("<string>"))
        #expect(!ProfileAnalysis.isUserFile("/usr/lib/python3.11/threading.py"))
        #expect(!ProfileAnalysis.isUserFile("<frozen importlib._bootstrap>"))
        #expect(!ProfileAnalysis.isUserFile("/venv/lib/python3.11/site-packages/requests/api.py"))
        // Library frames above the user's code: the user's line still gets the sample.
        let section = ProfileAnalysis.section(ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("main", 4), frame("sleep", 100, file: "/usr/lib/python3.11/asyncio/tasks.py")], .cpu, 3)]))
        #expect(section.lines.first?.line == 4 && section.lines.first?.fraction == 1)
    }

    @Test func emptyStacksGiveAnEmptySection() {
        let section = ProfileAnalysis.section(ProfileStacks(rateHz: 250, durationS: 0, stacks: []))
        #expect(section.samples == 0 && section.functions.isEmpty && section.rateHz == 250)
        #expect(ProfileSummary.lines(section).count == 1)
    }

    @Test func theSummaryListsSelfTotalAndHotLines() {
        let stacks = ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("<module>", 20), frame("seven", 14), frame("unit", 9)], .cpu, 70),
            stack([frame("<module>", 20), frame("three", 19), frame("unit", 8)], .gilWait, 30),
        ])
        let text = ProfileSummary.lines(ProfileAnalysis.section(stacks)).joined(separator: "\n")
        #expect(text.contains("top functions by self time"))
        #expect(text.contains("top functions by total time"))
        #expect(text.contains(" 70.0%"))
        #expect(text.contains("app.py:9 in unit  (cpu 100%)"))
        #expect(text.contains("app.py:8 in unit  (gil_wait 100%)"))
    }

    @Test func theSectionRoundTripsThroughJSONWithSnakeCaseKeys() throws {
        let section = ProfileAnalysis.section(ProfileStacks(rateHz: 100, durationS: 1, stacks: [
            stack([frame("f", 1)], .gilWait, 2)]))
        let data = try JSONEncoder().encode(section)
        let text = String(decoding: data, as: UTF8.self)
        for key in ["rate_hz", "active_samples", "self_fraction", "total_fraction", "gil_wait_fraction", "off_cpu_fraction", "native_id"] {
            #expect(text.contains("\"\(key)\""), "\(key)")
        }
        #expect(try JSONDecoder().decode(ProfileSection.self, from: data) == section)
    }
}
