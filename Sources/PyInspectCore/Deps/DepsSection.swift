/// The report's `deps` section (`pyinspect deps`, docs/deps.md, docs/schema/deps.schema.json): the environment
/// the target saw and, with a target, where each module it imported came from. The findings themselves go to
/// the report's `findings` list.
public struct DepsSection: Codable, Sendable, Equatable {
    /// A target ran (false: only the environment was read).
    public var targetRan: Bool
    /// The interpreter's sys.path at the end of the run, in order.
    public var sysPath: [String]
    /// Distributions on sys.path (each name once: the first found wins).
    public var distributions: Int
    /// Requirements of installed distributions whose markers hold for this interpreter.
    public var requirementsChecked: Int
    /// Project files whose requirements were compared with what is installed.
    public var projectFiles: [String]
    /// Findings that make the exit status 1 (every kind but `unpinned`).
    public var conflicts: Int
    /// Every module the target had imported at its end (empty without a target).
    public var modules: [DepsModule]

    enum CodingKeys: String, CodingKey {
        case targetRan = "target_ran", sysPath = "sys_path", distributions
        case requirementsChecked = "requirements_checked", projectFiles = "project_files", conflicts, modules
    }
}

public struct DepsModule: Codable, Sendable, Equatable {
    public var name: String
    /// Its file (`__file__`, else `__spec__.origin`); nil for built-in and frozen modules.
    public var file: String?
    /// "standard library", "built-in", "distribution" or "local".
    public var origin: String
    public var distribution: String?
    public var version: String?
    /// The line that first imported it; nil for modules imported before the target started.
    public var importedFrom: SourceSite?
    /// True when the import failed (the module is not in sys.modules); absent otherwise.
    public var importFailed: Bool?

    enum CodingKeys: String, CodingKey {
        case name, file, origin, distribution, version, importedFrom = "imported_from", importFailed = "import_failed"
    }
}
