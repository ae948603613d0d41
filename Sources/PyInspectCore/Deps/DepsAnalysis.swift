/// `pyinspect deps`: findings from the facts deps.py saved. Pure: the same facts give the same findings, ranked
/// with the ones the program actually imported first (unit-tested in DepsAnalysisTests without Python).
public enum DepsAnalysis {
    /// Every kind `deps` reports, in the order a reader should see them (after the imported ones).
    public static let kindOrder = [
        "shadowed_module", "version_conflict", "missing_requirement", "duplicate_module", "duplicate_distribution",
        "drift", "not_installed", "unpinned", "stale_metadata",
    ]
    /// Kinds that are advice, not a conflict: they do not make the exit status 1.
    public static let adviceKinds: Set<String> = ["unpinned", "stale_metadata"]

    public struct Result: Sendable, Equatable {
        public var findings: [Finding]
        public var section: DepsSection
        public var diagnostics: [Diagnostic]
        /// At least one finding of a conflict kind.
        public var hasConflict: Bool { findings.contains { !DepsAnalysis.adviceKinds.contains($0.kind) } }
    }

    public static func analyze(_ facts: DepsFacts, targetRan: Bool) -> Result {
        let modules = targetRan ? facts.modules : []
        let importedDistributions = Set(modules.compactMap(\.distribution))
        let importedNames = Set(modules.map(\.name))
        func imported(_ distributions: [String]) -> Bool? {
            targetRan ? distributions.contains { importedDistributions.contains($0) } : nil
        }
        var findings: [Finding] = []
        for problem in facts.requirementProblems {
            let who = "\(problem.distribution)\(problem.version.map { " \($0)" } ?? "")"
            var finding: Finding
            if let installed = problem.installed {
                finding = Finding(
                    kind: "version_conflict",
                    message: "\(who) requires \(problem.requirement), \(problem.required) \(installed) is installed")
                finding.installed = installed
            } else {
                finding = Finding(
                    kind: "missing_requirement", message: "\(who) requires \(problem.requirement), which is not installed")
            }
            finding.distribution = problem.distribution
            finding.requirement = problem.requirement
            // It bites when the distribution that requires runs: its modules were imported.
            finding.imported = imported([problem.distribution])
            findings.append(finding)
        }
        for shared in facts.sharedModules {
            let names = shared.distributions.map { "\($0.name)\($0.version.map { " \($0)" } ?? "")" }
            let loaded = modules.first { $0.name == shared.module && $0.importFailed != true }
            let files = shared.files.map { $0.isEmpty ? "" : " (\($0.joined(separator: ", ")))" } ?? ""
            var message = "\(names.joined(separator: " and ")) \(names.count == 2 ? "both" : "all") install the top-level "
                + "module \(shared.module)\(files): "
                + (shared.sameDirectory == false
                    ? "the first on sys.path hides the other's files" : "the last installed overwrote the other's files")
            if let loaded, let file = loaded.file { message += "; the program imported it from \(file)" }
            var finding = Finding(kind: "duplicate_module", message: message)
            finding.distribution = shared.distributions.map(\.name).joined(separator: ", ")
            finding.imported = targetRan ? (loaded != nil || importedNames.contains { $0.hasPrefix(shared.module + ".") }) : nil
            findings.append(finding)
        }
        for duplicate in facts.duplicates {
            guard let winner = duplicate.copies.first else { continue }
            let copies = duplicate.copies.map { "\($0.version ?? "?") in \($0.path)" }
            let versions = Set(duplicate.copies.map { $0.version ?? "?" })
            var finding: Finding
            if duplicate.sameDirectory == true, versions.count == 1 {
                // Debian's cryptography: a dist-info beside an egg-info of the same version, one install's files.
                finding = Finding(
                    kind: "stale_metadata",
                    message: "\(duplicate.name) \(winner.version ?? "?") has \(duplicate.copies.count) metadata folders in one "
                        + "directory (" + duplicate.copies.map(\.path).joined(separator: ", ")
                        + "): one install with a stale record, the same version in each; harmless, until one is updated without the other")
            } else if duplicate.sameDirectory == true {
                finding = Finding(
                    kind: "duplicate_distribution",
                    message: "\(duplicate.name) has \(duplicate.copies.count) metadata folders in one directory that disagree "
                        + "on its version: " + copies.joined(separator: ", ")
                        + "; importlib.metadata and pip read the first (\(winner.version ?? "?")), one of the two records is stale")
            } else {
                finding = Finding(
                    kind: "duplicate_distribution",
                    message: "\(duplicate.name) is installed \(duplicate.copies.count) times on sys.path: "
                        + copies.joined(separator: ", ") + "; the first wins (\(winner.version ?? "?"))")
            }
            finding.distribution = duplicate.name
            finding.installed = winner.version
            finding.imported = imported([duplicate.name])
            findings.append(finding)
        }
        for module in modules {
            guard let shadows = module.shadows, !shadows.isEmpty, let file = module.file else { continue }
            let hidden = shadows.map { $0 == "standard library" ? "the standard library's \(module.name)" : "\(module.name) of the distribution \($0)" }
            let whereText = module.site.map { ", imported at \($0.file):\($0.line)" } ?? ""
            var finding = Finding(
                kind: "shadowed_module",
                message: "\(file) hides \(hidden.joined(separator: " and "))\(whereText)")
            finding.site = module.site
            finding.distribution = shadows.first { $0 != "standard library" }
            finding.imported = true
            findings.append(finding)
        }
        for declared in facts.project {
            let site = SourceSite(file: declared.file, line: declared.line)
            let at = "\(declared.file):\(declared.line)"
            var finding: Finding
            if declared.installed == nil {
                finding = Finding(kind: "not_installed", message: "\(at) requires \(declared.requirement), which is not installed")
            } else if !declared.satisfied, let installed = declared.installed {
                finding = Finding(
                    kind: "drift", message: "\(at) requires \(declared.requirement), \(declared.name) \(installed) is installed")
                finding.installed = installed
            } else if !declared.pinned {
                finding = Finding(
                    kind: "unpinned",
                    message: "\(at): \(declared.requirement) is not pinned"
                        + (declared.lockStyle ? " to one version (==)" : " (no version constraint)"))
                finding.installed = declared.installed
            } else {
                continue
            }
            finding.site = site
            finding.distribution = declared.name
            finding.requirement = declared.requirement
            finding.imported = imported([declared.name])
            findings.append(finding)
        }
        let ranked = rank(findings)
        var projectFiles: [String] = []
        for declared in facts.project where !projectFiles.contains(declared.file) { projectFiles.append(declared.file) }
        let section = DepsSection(
            targetRan: targetRan, sysPath: facts.sysPath, distributions: facts.distributionCount,
            requirementsChecked: facts.requirementsChecked, projectFiles: projectFiles,
            conflicts: ranked.filter { !adviceKinds.contains($0.kind) }.count,
            modules: modules.map {
                DepsModule(name: $0.name, file: $0.file, origin: $0.origin ?? "local", distribution: $0.distribution,
                           version: $0.version, importedFrom: $0.site, importFailed: $0.importFailed)
            })
        let diagnostics = facts.problems.map { Diagnostic(.warning, $0) }
        return Result(findings: ranked, section: section, diagnostics: diagnostics)
    }

    /// Imported ones first, then by kind (kindOrder); otherwise in the order found.
    public static func rank(_ findings: [Finding]) -> [Finding] {
        func key(_ finding: Finding) -> (Int, Int) {
            (finding.imported == true ? 0 : 1, kindOrder.firstIndex(of: finding.kind) ?? kindOrder.count)
        }
        return findings.enumerated().sorted { left, right in
            let (a, b) = (key(left.element), key(right.element))
            return a != b ? a < b : left.offset < right.offset
        }.map(\.element)
    }
}
