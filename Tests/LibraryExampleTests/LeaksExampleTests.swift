import Foundation
import PyInspectCore
import Testing

/// An example of pyinspect as a Swift library: a test suite asserts that a handler does not leak, and that a
/// known leaky one is caught with its site, using the same report as `pyinspect leaks --json`.
@Suite(.serialized) struct LeaksExampleTests {
    let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/leaks").path
    }()

    @Test func aBoundedCacheIsClean() throws {
        let report = try PyInspect.leaks(LeaksRequest.parse(fixtures + "/clean_lru_bounded.py:run"))
        #expect(report.verdict == .clean)
        #expect(report.leaks?.isEmpty ?? true)
    }

    @Test func aModuleListLeakIsCaughtWithItsSite() throws {
        let report = try PyInspect.leaks(LeaksRequest.parse(fixtures + "/module_list.py:run"))
        #expect(report.verdict == .leak)
        let leak = try #require(report.leaks?.first)
        #expect(leak.kind == "objects")
        #expect(leak.site == SourceSite(file: fixtures + "/module_list.py", line: 8))
        #expect(leak.chain.first?.repr == "module module_list")
    }

    @Test func aMissingFunctionThrows() throws {
        #expect(throws: PyInspectError.self) {
            try PyInspect.leaks(LeaksRequest.parse(fixtures + "/module_list.py:no_such_function"))
        }
    }
}
