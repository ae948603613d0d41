import Foundation
import Testing

/// `pyinspect deps` on virtualenvs with hand-written distributions (Tests/Fixtures/deps/make_env.py, no network)
/// and on real PyPI packages at incompatible versions (.venv-test-deps/, made by `make test-venv`), compared
/// with `pip check` and `pipdeptree --warn fail`: everything they report, deps reports.
@Suite struct DepsCommandTests {
    /// A fresh virtualenv of one make_env.py scenario; removed by the caller.
    static func makeEnvironment(_ scenario: String) throws -> String {
        let venv = NSTemporaryDirectory() + "pyinspect-deps-\(scenario)-\(UUID().uuidString)"
        let result = try Self.execute("/usr/bin/python3", [BinaryHarness.fixture("deps/make_env.py"), venv, scenario])
        #expect(result.status == 0, "\(result.output)")
        return venv
    }

    /// The virtualenv activated, with deps' cache (docs/deps.md) kept inside it: removed with it, never shared.
    static func activated(_ venv: String) -> [String: String] {
        ["VIRTUAL_ENV": venv, "PATH": venv + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
         "XDG_CACHE_HOME": venv + "/cache"]
    }

    static func execute(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func findings(_ report: [String: Any]?) -> [[String: Any]] { report?["findings"] as? [[String: Any]] ?? [] }

    static func finding(_ report: [String: Any]?, kind: String, distribution: String? = nil, requirementPrefix: String? = nil)
        -> [String: Any]?
    {
        findings(report).first { finding in
            finding["kind"] as? String == kind
                && (distribution == nil || finding["distribution"] as? String == distribution)
                && (requirementPrefix == nil || (finding["requirement"] as? String ?? "").hasPrefix(requirementPrefix ?? ""))
        }
    }

    static func site(_ finding: [String: Any]?) -> String? {
        guard let site = finding?["site"] as? [String: Any], let file = site["file"] as? String, let line = site["line"] as? Int
        else { return nil }
        return "\((file as NSString).lastPathComponent):\(line)"
    }

    @Test func everyEnvironmentKindWithImportedOnesFirst() throws {
        // GIVEN a virtualenv with conflicts, a missing requirement, two distributions writing one package,
        // a distribution installed twice, and requirements excluded by a marker or behind an extra
        let venv = try Self.makeEnvironment("conflicts")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        // WHEN a target that imports alpha (which imports beta) runs under deps
        let result = try BinaryHarness.run(
            ["deps", "main.py"], json: true, environment: Self.activated(venv), directory: BinaryHarness.fixture("deps/conflicts_target"))
        // THEN exit 1, and each finding is marked by whether the program imported what it involves
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("imported alpha"))
        let report = result.report
        #expect(report?["command"] as? String == "deps")
        let alphaConflict = Self.finding(report, kind: "version_conflict", distribution: "alpha", requirementPrefix: "beta")
        #expect(alphaConflict?["installed"] as? String == "1.5")
        #expect(alphaConflict?["imported"] as? Bool == true)
        #expect(Self.finding(report, kind: "missing_requirement", distribution: "alpha", requirementPrefix: "gamma")?["imported"] as? Bool == true)
        let eggy = Self.finding(report, kind: "version_conflict", distribution: "eggy", requirementPrefix: "beta")
        #expect(eggy?["imported"] as? Bool == false)
        #expect(Self.finding(report, kind: "missing_requirement", distribution: "lonely", requirementPrefix: "absent-dist")?["imported"] as? Bool == false)
        let shared = Self.finding(report, kind: "duplicate_module")
        #expect((shared?["message"] as? String ?? "").contains("top-level module shared"))
        #expect(Self.findings(report).filter { $0["kind"] as? String == "duplicate_module" }.count == 1, "the namespace directory nsparts is shared legitimately")
        let duplicate = Self.finding(report, kind: "duplicate_distribution", distribution: "beta")
        #expect(duplicate?["installed"] as? String == "1.5")
        #expect(duplicate?["imported"] as? Bool == true)
        // a marker that excludes this Python, an extra nobody asked for: no finding
        #expect(!Self.findings(report).contains { ($0["requirement"] as? String ?? "").hasPrefix("delta") || ($0["requirement"] as? String ?? "").hasPrefix("zeta") })
        let imported = Self.findings(report).map { $0["imported"] as? Bool ?? false }
        #expect(imported == imported.sorted { $0 && !$1 }, "imported findings come first: \(imported)")
        // the modules table ties alpha to its distribution and the line that imported it
        let modules = (report?["deps"] as? [String: Any])?["modules"] as? [[String: Any]] ?? []
        let alpha = modules.first { $0["name"] as? String == "alpha" }
        #expect(alpha?["distribution"] as? String == "alpha" && alpha?["version"] as? String == "1.0")
        #expect(Self.site(["site": alpha?["imported_from"] as Any]) == "main.py:1")
        #expect(modules.first { $0["name"] as? String == "os" }?["origin"] as? String == "standard library")
    }

    @Test func sharedNamespacePackagesAndStaleMetadataAreNotConflicts() throws {
        // GIVEN namespace packages shared the ways Debian and pip install them (namespace_packages.txt without
        // __init__.py, *-nspkg.pth, pkgutil's identical __init__.py, PEP 420 folders), pytest's py.py shim beside
        // the py package, Debian's dist-info + egg-info of one version, and two real problems among them
        let venv = try Self.makeEnvironment("namespaces")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let code = "import lazr.uri, lazr.restfulclient, zope.event, zope.interface, google.auth, plugins.common, py"
        let result = try BinaryHarness.run(["deps", "-c", code], json: true, environment: Self.activated(venv), directory: venv)
        // THEN the one module file two distributions write, and the metadata that disagrees on a version, are
        // conflicts; the same version's second record is advice; the shared namespaces are nothing
        #expect(result.status == 1, "\(result.stderr)")
        let kinds = Self.findings(result.report).map { "\($0["kind"] as? String ?? "") \($0["distribution"] as? String ?? "")" }
        #expect(kinds.sorted() == ["duplicate_distribution chardet", "duplicate_module plugins-a, plugins-b", "stale_metadata cryptography"], "\(kinds)")
        let clash = Self.finding(result.report, kind: "duplicate_module")
        #expect((clash?["message"] as? String ?? "").contains("(plugins/common.py)"))
        #expect(clash?["imported"] as? Bool == true)
        // advice alone does not fail CI: without the two conflicts the status is 0
        try FileManager.default.removeItem(atPath: venv + "/lib/python3.11/site-packages/chardet.egg-info")
        try FileManager.default.removeItem(atPath: venv + "/lib/python3.11/site-packages/plugins_b-1.0.dist-info")
        let advice = try BinaryHarness.run(["deps"], json: true, environment: Self.activated(venv), directory: venv)
        #expect(advice.status == 0, "\(advice.stderr)")
        #expect(Self.findings(advice.report).map { $0["kind"] as? String } == ["stale_metadata"])
    }

    @Test func theCacheGivesTheSameFindingsAndForgetsAChangedDistribution() throws {
        let venv = try Self.makeEnvironment("conflicts")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let first = try BinaryHarness.run(["deps"], json: true, environment: Self.activated(venv), directory: venv)
        let cacheFolder = venv + "/cache/pyinspect"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: cacheFolder)) ?? []).count == 1, "the first run wrote the cache")
        let second = try BinaryHarness.run(["deps"], json: true, environment: Self.activated(venv), directory: venv)
        #expect(first.status == 1 && second.status == 1)
        let messages = { (report: [String: Any]?) in Self.findings(report).map { $0["message"] as? String ?? "" } }
        #expect(messages(first.report) == messages(second.report) && !messages(first.report).isEmpty)
        // beta upgraded in place (its METADATA rewritten): alpha's and eggy's conflicts with beta 1.5 are gone
        let metadata = venv + "/lib/python3.11/site-packages/beta-1.5.dist-info/METADATA"
        try "Metadata-Version: 2.1\nName: beta\nVersion: 3.0\n\n".write(toFile: metadata, atomically: false, encoding: .utf8)
        let third = try BinaryHarness.run(["deps"], json: true, environment: Self.activated(venv), directory: venv)
        #expect(Self.finding(third.report, kind: "version_conflict", distribution: "alpha") == nil, "\(messages(third.report))")
        #expect(Self.finding(third.report, kind: "version_conflict", distribution: "eggy") == nil)
        #expect(Self.finding(third.report, kind: "missing_requirement", distribution: "alpha") != nil)
    }

    @Test func aHealthyEnvironmentIsCleanWithAndWithoutATarget() throws {
        let venv = try Self.makeEnvironment("healthy")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let environmentOnly = try BinaryHarness.run(["deps"], json: true, environment: Self.activated(venv), directory: venv)
        #expect(environmentOnly.status == 0, "\(environmentOnly.stderr)")
        #expect(Self.findings(environmentOnly.report).isEmpty)
        let deps = environmentOnly.report?["deps"] as? [String: Any]
        #expect(deps?["distributions"] as? Int == 2 && deps?["target_ran"] as? Bool == false)
        #expect(environmentOnly.report?["target"] == nil)
        // The target never sees `packaging` (loaded at the end under a private name) nor a changed sys.path.
        let code = "import sys; print(sorted(m for m in sys.modules if 'packaging' in m), any('dist-packages' in p for p in sys.path))"
        let withTarget = try BinaryHarness.run(["deps", "-c", code], json: true, environment: Self.activated(venv), directory: venv)
        #expect(withTarget.status == 0, "\(withTarget.stderr)")
        #expect(withTarget.stdout == "[] False\n")
        #expect(Self.findings(withTarget.report).isEmpty)
    }

    @Test func localFilesShadowingTheStandardLibraryAndADistribution() throws {
        let venv = try Self.makeEnvironment("healthy")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let result = try BinaryHarness.run(
            ["deps", "main.py"], json: true, environment: Self.activated(venv), directory: BinaryHarness.fixture("deps/shadow"))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("local random.py local json.py local beta.py"))
        let shadows = Self.findings(result.report).filter { $0["kind"] as? String == "shadowed_module" }
        #expect(Set(shadows.compactMap { Self.site($0) }) == ["main.py:2", "main.py:4", "main.py:5"])
        let beta = shadows.first { Self.site($0) == "main.py:2" }
        #expect(beta?["distribution"] as? String == "beta")
        #expect((shadows.first { Self.site($0) == "main.py:4" }?["message"] as? String ?? "").contains("standard library's random"))
    }

    @Test func projectRequirementsAreComparedWithWhatIsInstalled() throws {
        let venv = try Self.makeEnvironment("healthy")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let result = try BinaryHarness.run(
            ["deps", "main.py"], json: true, environment: Self.activated(venv), directory: BinaryHarness.fixture("deps/project"))
        #expect(result.status == 1, "\(result.stderr)")
        let report = result.report
        #expect(Self.site(Self.finding(report, kind: "drift", requirementPrefix: "gamma==1.0")) == "requirements.txt:5")
        #expect(Self.site(Self.finding(report, kind: "drift", requirementPrefix: "gamma>=2.0")) == "pyproject.toml:6")
        #expect(Self.finding(report, kind: "drift", requirementPrefix: "gamma==1.0")?["installed"] as? String == "1.2")
        #expect(Self.site(Self.finding(report, kind: "unpinned", requirementPrefix: "gamma")) == "requirements.txt:3")
        for name in ["nothere", "requests", "alsomissing"] {
            #expect(Self.finding(report, kind: "not_installed", requirementPrefix: name) != nil, "\(name)")
        }
        #expect(!Self.findings(report).contains { ($0["requirement"] as? String ?? "").hasPrefix("beta") || ($0["requirement"] as? String ?? "").hasPrefix("oldpy") })
        let path = NSTemporaryDirectory() + "deps-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try BinaryHarness.run(["deps", "--json", path, "--quiet", "main.py"], environment: Self.activated(venv), directory: BinaryHarness.fixture("deps/project"))
        let schema = try ReportSchemaTests.validate(path)
        #expect(schema.status == 0, "\(schema.output)")
    }

    @Test func aScriptDeepInItsProjectRunFromElsewhereFindsTheProjectsRequirements() throws {
        // GIVEN src/app/main.py of a project whose requirements.txt is pip-compile's (hashes on continued lines,
        // an -r include, -e ., a URL), run from the virtualenv's folder
        let venv = try Self.makeEnvironment("healthy")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let script = BinaryHarness.fixture("deps/nested_project/src/app/main.py")
        let result = try BinaryHarness.run(["deps", script], json: true, environment: Self.activated(venv), directory: venv)
        // THEN the project root's files are read as pip reads them: every line a requirement or skipped, no warning
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout == "app ran\n")
        let report = result.report
        #expect(Self.site(Self.finding(report, kind: "drift", requirementPrefix: "beta==1.0")) == "requirements.txt:8")
        #expect(Self.site(Self.finding(report, kind: "drift", requirementPrefix: "beta>=2.0")) == "pyproject.toml:6")
        #expect(Self.site(Self.finding(report, kind: "not_installed", requirementPrefix: "absent-base")) == "base.txt:3")
        #expect(Self.finding(report, kind: "drift", requirementPrefix: "gamma") == nil, "gamma==1.2 with its hashes is met")
        #expect(!Self.findings(report).contains { ($0["requirement"] as? String ?? "").hasPrefix("nothere") }, "an extra's")
        #expect((report?["diagnostics"] as? [Any] ?? []).isEmpty, "\(report?["diagnostics"] ?? "")")
        let files = (report?["deps"] as? [String: Any])?["project_files"] as? [String] ?? []
        #expect(files.map { ($0 as NSString).lastPathComponent }.sorted() == ["base.txt", "pyproject.toml", "requirements.txt"])
    }

    @Test func dashMOfAnInstalledModuleIsTiedToItsDistribution() throws {
        // GIVEN pytest's __main__ importing py, whose name pytest's py.py shim shares with the py package
        let venv = try Self.makeEnvironment("namespaces")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let result = try BinaryHarness.run(["deps", "-m", "pytest"], json: true, environment: Self.activated(venv), directory: venv)
        #expect(result.stdout == "pytest main\n", "\(result.stderr)")
        let modules = (result.report?["deps"] as? [String: Any])?["modules"] as? [[String: Any]] ?? []
        let main = modules.first { $0["name"] as? String == "__main__" }
        #expect(main?["distribution"] as? String == "pytest" && main?["origin"] as? String == "distribution")
        // THEN the module is tied to the distribution that wrote its file (py/__init__.py: py, not pytest)
        let py = modules.first { $0["name"] as? String == "py" }
        #expect(py?["distribution"] as? String == "py" && py?["version"] as? String == "1.11.0", "\(py ?? [:])")
    }

    @Test func usageErrorsAndAMissingTarget() throws {
        #expect(try BinaryHarness.run(["deps", "--bogus"]).status == 64)
        #expect(try BinaryHarness.run(["deps", "/nonexistent/script.py"]).status == 66)
        #expect(try BinaryHarness.run(["dpes"]).stderr.contains("deps"))
    }

    @Test func theHTMLPageShowsFindingsAndModules() throws {
        let venv = try Self.makeEnvironment("conflicts")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let page = NSTemporaryDirectory() + "deps-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: page) }
        let result = try BinaryHarness.run(
            ["deps", "--quiet", "--html", page, "main.py"], environment: Self.activated(venv), directory: BinaryHarness.fixture("deps/conflicts_target"))
        #expect(result.status == 1)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("version_conflict") && html.contains("id=\"deps\"") && html.contains("alpha 1.0"))
        #expect(html.contains("beta&gt;=2.0"), "requirements are escaped")
    }

    // MARK: compared with pip check and pipdeptree

    /// (distribution, required name) pairs, lower-case with '-' for '_'.
    struct Problem: Hashable, CustomStringConvertible {
        var distribution: String
        var required: String
        var description: String { "\(distribution) -> \(required)" }
        init(_ distribution: String, _ required: String) {
            self.distribution = distribution.lowercased().replacingOccurrences(of: "_", with: "-")
            self.required = required.lowercased().replacingOccurrences(of: "_", with: "-")
        }
    }

    static func requirementName(_ requirement: String) -> String {
        String(requirement.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
    }

    /// `pip check`: "X 1.0 requires Y, which is not installed." / "X 1.0 has requirement Y>=2, but you have Y 1.5."
    static func pipCheckProblems(_ output: String) -> Set<Problem> {
        var found = Set<Problem>()
        for line in output.split(separator: "\n").map(String.init) {
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 4 else { continue }
            if words[2] == "requires" { found.insert(Problem(words[0], requirementName(words[3]))) }
            if words[2] == "has", words[3] == "requirement", words.count > 4 { found.insert(Problem(words[0], requirementName(words[4]))) }
        }
        return found
    }

    /// `pipdeptree --warn fail`: "* X==1.0" then " - Y [required: ..., installed: ...]"; duplicates: "  NAME  VERSION  (using ...".
    static func pipdeptreeProblems(_ output: String) -> (requirements: Set<Problem>, duplicates: Set<String>) {
        var requirements = Set<Problem>()
        var duplicates = Set<String>()
        var current: String?
        var inDuplicates = false
        for line in output.split(separator: "\n").map(String.init) {
            if line.contains("Duplicate package metadata") { inDuplicates = true; continue }
            if line.contains("conflicting dependencies") || line.hasPrefix("---") { inDuplicates = false; continue }
            if inDuplicates, line.hasPrefix("  "), line.contains("(using") {
                duplicates.insert(line.split(separator: " ").first.map(String.init)?.lowercased() ?? "")
            } else if line.hasPrefix("* ") {
                current = String(line.dropFirst(2)).components(separatedBy: "==").first
            } else if line.hasPrefix(" - "), let current {
                requirements.insert(Problem(current, requirementName(String(line.dropFirst(3)))))
            }
        }
        return (requirements, duplicates)
    }

    static func ourProblems(_ report: [String: Any]?) -> (requirements: Set<Problem>, duplicates: Set<String>) {
        var requirements = Set<Problem>()
        var duplicates = Set<String>()
        for finding in findings(report) {
            let kind = finding["kind"] as? String
            if kind == "version_conflict" || kind == "missing_requirement",
                let distribution = finding["distribution"] as? String, let requirement = finding["requirement"] as? String
            {
                requirements.insert(Problem(distribution, requirementName(requirement)))
            }
            if kind == "duplicate_distribution" || kind == "stale_metadata", let name = finding["distribution"] as? String { duplicates.insert(name.lowercased()) }
        }
        return (requirements, duplicates)
    }

    static let peerVenvs = BinaryHarness.packageRoot.appendingPathComponent(".venv-test-deps").path

    @discardableResult
    func compareWithPeers(venv: String, pipCheck: (status: Int32, output: String), target: [String]) throws
        -> (requirements: Set<Problem>, duplicates: Set<String>)
    {
        let tools = Self.peerVenvs + "/tools/bin/pipdeptree"
        let pipdeptree = try Self.execute(tools, ["--python", venv + "/bin/python", "--warn", "fail"])
        let ours = try BinaryHarness.run(["deps"] + target, json: true, environment: Self.activated(venv), directory: venv)
        let theirs = Self.pipCheckProblems(pipCheck.output)
        let tree = Self.pipdeptreeProblems(pipdeptree.output)
        let mine = Self.ourProblems(ours.report)
        #expect(pipCheck.status == 1 && pipdeptree.status == 1, "\(pipCheck.output)\n\(pipdeptree.output)")
        #expect(ours.status == 1, "\(ours.stderr)")
        #expect(!theirs.isEmpty && !tree.requirements.isEmpty)
        #expect(theirs.subtracting(mine.requirements).isEmpty, "pip check reports what deps does not: \(theirs.subtracting(mine.requirements))")
        #expect(tree.requirements.subtracting(mine.requirements).isEmpty, "pipdeptree reports what deps does not: \(tree.requirements.subtracting(mine.requirements))")
        #expect(tree.duplicates.subtracting(mine.duplicates).isEmpty, "pipdeptree's duplicates: \(tree.duplicates)")
        return tree
    }

    @Test func realPackagesAtIncompatibleVersionsMatchPipCheckAndPipdeptree() throws {
        let venv = Self.peerVenvs + "/conflicts"
        #expect(FileManager.default.fileExists(atPath: venv + "/bin/pip"), "run `make test-venv` (make test does)")
        guard FileManager.default.fileExists(atPath: venv + "/bin/pip") else { return }
        let pipCheck = try Self.execute(venv + "/bin/pip", ["check"])
        // The target imports requests: urllib3 1.20 breaks on 3.11, and the conflicts are marked imported.
        try compareWithPeers(venv: venv, pipCheck: pipCheck, target: ["-c", "import requests"])
        let ours = try BinaryHarness.run(["deps", "-c", "import requests"], json: true, environment: Self.activated(venv), directory: venv)
        #expect(Self.finding(ours.report, kind: "version_conflict", distribution: "requests", requirementPrefix: "urllib3")?["imported"] as? Bool == true)
    }

    @Test func namespacesAndStaleMetadataMatchPipdeptreesDuplicates() throws {
        let tools = Self.peerVenvs + "/tools/bin/pipdeptree"
        #expect(FileManager.default.fileExists(atPath: tools), "run `make test-venv` (make test does)")
        guard FileManager.default.fileExists(atPath: tools) else { return }
        let venv = try Self.makeEnvironment("namespaces")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let pipdeptree = try Self.execute(tools, ["--python", venv + "/bin/python", "--warn", "fail"])
        let tree = Self.pipdeptreeProblems(pipdeptree.output)
        let ours = Self.ourProblems(try BinaryHarness.run(["deps"], json: true, environment: Self.activated(venv), directory: venv).report)
        #expect(tree.duplicates == ["chardet", "cryptography"], "\(pipdeptree.output)")
        #expect(tree.duplicates.subtracting(ours.duplicates).isEmpty, "pipdeptree's duplicates: \(tree.duplicates), ours: \(ours.duplicates)")
    }

    @Test func handWrittenConflictsMatchPipCheckAndPipdeptree() throws {
        let pipSource = Self.peerVenvs + "/tools/lib/python3.11/site-packages/pip"
        #expect(FileManager.default.fileExists(atPath: pipSource), "run `make test-venv` (make test does)")
        guard FileManager.default.fileExists(atPath: pipSource) else { return }
        let venv = try Self.makeEnvironment("conflicts")
        defer { try? FileManager.default.removeItem(atPath: venv) }
        // pip alone on PYTHONPATH (no dist-info of its own): `pip check` sees exactly the venv's distributions.
        let pipOnly = venv + "/pip-only"
        try FileManager.default.createDirectory(atPath: pipOnly, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: pipOnly + "/pip", withDestinationPath: pipSource)
        let pipCheck = try Self.execute(venv + "/bin/python", ["-m", "pip", "check"], environment: ["PYTHONPATH": pipOnly])
        let tree = try compareWithPeers(venv: venv, pipCheck: pipCheck, target: [])
        #expect(tree.duplicates == ["beta"], "pipdeptree's duplicate warning was read")
        #expect(tree.requirements.count == 4, "\(tree.requirements)")
    }
}
