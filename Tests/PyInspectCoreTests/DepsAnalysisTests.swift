import Foundation
import PyInspectCore
import Testing

/// `deps` findings from hand-made facts (what deps.py saves): no Python involved.
@Suite struct DepsAnalysisTests {
    typealias Module = DepsFacts.Module

    func facts() -> DepsFacts {
        var facts = DepsFacts()
        facts.distributionCount = 5
        facts.requirementProblems = [
            .init(distribution: "eggy", version: "0.3", requirement: "beta>=3", required: "beta", installed: "1.5"),
            .init(distribution: "alpha", version: "1.0", requirement: "beta>=2.0", required: "beta", installed: "1.5"),
            .init(distribution: "alpha", version: "1.0", requirement: "gamma>=1.0", required: "gamma", installed: nil),
        ]
        facts.sharedModules = [.init(module: "shared", distributions: [.init(name: "omega", version: "1.0"), .init(name: "psi", version: "2.0")])]
        facts.duplicates = [.init(name: "beta", copies: [.init(version: "1.5", path: "/a/beta-1.5.dist-info"), .init(version: "2.5", path: "/b/beta-2.5.dist-info")])]
        facts.modules = [
            Module(name: "alpha", file: "/site/alpha/__init__.py", origin: "distribution", distribution: "alpha", version: "1.0",
                   site: SourceSite(file: "/p/main.py", line: 1)),
            Module(name: "random", file: "/p/random.py", origin: "local", site: SourceSite(file: "/p/main.py", line: 3),
                   shadows: ["standard library"]),
            Module(name: "os", file: "/usr/lib/python3.11/os.py", origin: "standard library"),
        ]
        return facts
    }

    @Test func everyEnvironmentKindIsReportedWithItsFields() {
        // GIVEN facts with two conflicts, a missing requirement, a shared module, a duplicate and a shadow
        // WHEN analysed for a run
        let result = DepsAnalysis.analyze(facts(), targetRan: true)
        // THEN each becomes one finding, with the fields of its kind
        let kinds = result.findings.map(\.kind)
        #expect(kinds.filter { $0 == "version_conflict" }.count == 2)
        #expect(kinds.contains("missing_requirement") && kinds.contains("duplicate_module"))
        #expect(kinds.contains("duplicate_distribution") && kinds.contains("shadowed_module"))
        let conflict = result.findings.first { $0.kind == "version_conflict" && $0.distribution == "alpha" }
        #expect(conflict?.requirement == "beta>=2.0" && conflict?.installed == "1.5")
        #expect(conflict?.message == "alpha 1.0 requires beta>=2.0, beta 1.5 is installed")
        let shadow = result.findings.first { $0.kind == "shadowed_module" }
        #expect(shadow?.site == SourceSite(file: "/p/main.py", line: 3))
        #expect(result.findings.first { $0.kind == "duplicate_distribution" }?.installed == "1.5")
        #expect(result.hasConflict)
        #expect(result.section.conflicts == result.findings.count)
        #expect(result.section.modules.count == 3)
    }

    @Test func importedFindingsComeFirst() {
        let result = DepsAnalysis.analyze(facts(), targetRan: true)
        let imported = result.findings.map { $0.imported == true }
        // true for alpha's two problems and the shadow, false for eggy, the shared module and beta's duplicate
        #expect(imported == [true, true, true, false, false, false])
        #expect(result.findings.first?.kind == "shadowed_module")
        #expect(result.findings.first { $0.distribution == "eggy" }?.imported == false)
    }

    @Test func metadataTwiceInOneFolderIsStaleWhenTheVersionsAgree() {
        // GIVEN Debian's cryptography (dist-info and egg-info of one version in one folder) and a pair that disagree
        var facts = DepsFacts()
        facts.duplicates = [
            .init(name: "cryptography", copies: [.init(version: "38.0.4", path: "/d/cryptography-38.0.4.dist-info"),
                                                 .init(version: "38.0.4", path: "/d/cryptography.egg-info")], sameDirectory: true),
            .init(name: "chardet", copies: [.init(version: "5.1.0", path: "/d/chardet-5.1.0.dist-info"),
                                            .init(version: "4.0.0", path: "/d/chardet.egg-info")], sameDirectory: true),
        ]
        facts.sharedModules = [.init(module: "plugins", distributions: [.init(name: "a", version: "1"), .init(name: "b", version: "1")],
                                     files: ["plugins/common.py"], sameDirectory: false)]
        let result = DepsAnalysis.analyze(facts, targetRan: false)
        // THEN the first is advice (no conflict), the second a duplicate_distribution; a clash across folders hides
        #expect(result.findings.first { $0.distribution == "cryptography" }?.kind == "stale_metadata")
        #expect(result.findings.first { $0.distribution == "chardet" }?.kind == "duplicate_distribution")
        #expect(result.section.conflicts == 2)
        #expect(result.findings.first { $0.kind == "duplicate_module" }?.message
            == "a 1 and b 1 both install the top-level module plugins (plugins/common.py): the first on sys.path hides the other's files")
        facts.duplicates.removeLast()
        facts.sharedModules = []
        #expect(!DepsAnalysis.analyze(facts, targetRan: false).hasConflict)
    }

    @Test func withoutATargetNothingIsMarkedImported() {
        let result = DepsAnalysis.analyze(facts(), targetRan: false)
        #expect(result.findings.allSatisfy { $0.imported == nil })
        #expect(!result.findings.contains { $0.kind == "shadowed_module" })
        #expect(result.section.modules.isEmpty && !result.section.targetRan)
    }

    @Test func aHealthyEnvironmentHasNoFindings() {
        var healthy = DepsFacts()
        healthy.distributionCount = 2
        healthy.requirementsChecked = 1
        let result = DepsAnalysis.analyze(healthy, targetRan: true)
        #expect(result.findings.isEmpty && !result.hasConflict && result.section.conflicts == 0)
    }

    @Test func projectRequirementsBecomeDriftNotInstalledAndUnpinned() {
        var facts = DepsFacts()
        facts.project = [
            .init(file: "/p/requirements.txt", line: 2, requirement: "beta==1.5", name: "beta", installed: "1.5", satisfied: true, pinned: true, lockStyle: true),
            .init(file: "/p/requirements.txt", line: 3, requirement: "gamma", name: "gamma", installed: "1.2", satisfied: true, pinned: false, lockStyle: true),
            .init(file: "/p/requirements.txt", line: 4, requirement: "nothere==1.0", name: "nothere", installed: nil, satisfied: false, pinned: true, lockStyle: true),
            .init(file: "/p/pyproject.toml", line: 6, requirement: "gamma>=2.0", name: "gamma", installed: "1.2", satisfied: false, pinned: true, lockStyle: false),
        ]
        let result = DepsAnalysis.analyze(facts, targetRan: false)
        #expect(result.findings.map(\.kind) == ["drift", "not_installed", "unpinned"])
        #expect(result.findings[0].site == SourceSite(file: "/p/pyproject.toml", line: 6))
        #expect(result.findings[0].installed == "1.2")
        #expect(result.section.projectFiles == ["/p/requirements.txt", "/p/pyproject.toml"])
        #expect(result.section.conflicts == 2)
    }

    @Test func unpinnedAloneIsNotAConflict() {
        var facts = DepsFacts()
        facts.project = [.init(file: "/p/requirements.txt", line: 1, requirement: "gamma", name: "gamma", installed: "1.2",
                               satisfied: true, pinned: false, lockStyle: true)]
        let result = DepsAnalysis.analyze(facts, targetRan: true)
        #expect(result.findings.map(\.kind) == ["unpinned"])
        #expect(!result.hasConflict)
    }

    @Test func aFailedImportOfTheRequiringDistributionCountsAsImported() {
        var facts = DepsFacts()
        facts.requirementProblems = [.init(distribution: "requests", version: "2.31.0", requirement: "urllib3>=1.21.1,<3", required: "urllib3", installed: "1.20")]
        facts.modules = [Module(name: "requests", file: nil, origin: "distribution", distribution: "requests", version: "2.31.0",
                                site: SourceSite(file: "<string>", line: 1), importFailed: true)]
        let result = DepsAnalysis.analyze(facts, targetRan: true)
        #expect(result.findings.first?.imported == true)
        #expect(result.section.modules.first?.importFailed == true)
    }
}
