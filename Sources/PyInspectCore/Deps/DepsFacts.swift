/// What pyscripts/pyinspect/deps.py saved at the target's end: the modules it imported and the facts of the
/// distributions on its sys.path (requirements already evaluated with `packaging` for this interpreter).
/// Read by `DepsAnalysis`, which decides the findings.
public struct DepsFacts: Codable, Sendable, Equatable {
    public struct Copy: Codable, Sendable, Equatable {
        public var version: String?
        public var path: String
        public init(version: String?, path: String) {
            self.version = version
            self.path = path
        }
    }
    /// The same distribution found more than once on sys.path, in sys.path order (the first wins).
    public struct Duplicate: Codable, Sendable, Equatable {
        public var name: String
        public var copies: [Copy]
        /// Every copy's metadata in one folder (a dist-info beside an egg-info): one install, two records of it.
        public var sameDirectory: Bool?
        enum CodingKeys: String, CodingKey { case name, copies, sameDirectory = "same_directory" }
        public init(name: String, copies: [Copy], sameDirectory: Bool? = nil) {
            self.name = name
            self.copies = copies
            self.sameDirectory = sameDirectory
        }
    }
    public struct NamedVersion: Codable, Sendable, Equatable {
        public var name: String
        public var version: String?
        public init(name: String, version: String?) {
            self.name = name
            self.version = version
        }
    }
    /// A top-level module or package two or more distributions write the same file of.
    public struct SharedModule: Codable, Sendable, Equatable {
        public var module: String
        public var distributions: [NamedVersion]
        /// The files written twice (the first three), relative to their sys.path folder.
        public var files: [String]?
        /// The distributions' metadata in one folder: the last install overwrote; else the first on sys.path hides.
        public var sameDirectory: Bool?
        enum CodingKeys: String, CodingKey { case module, distributions, files, sameDirectory = "same_directory" }
        public init(module: String, distributions: [NamedVersion], files: [String]? = nil, sameDirectory: Bool? = nil) {
            self.module = module
            self.distributions = distributions
            self.files = files
            self.sameDirectory = sameDirectory
        }
    }
    /// A requirement of an installed distribution (marker true for this interpreter) that is not met.
    public struct RequirementProblem: Codable, Sendable, Equatable {
        public var distribution: String
        public var version: String?
        public var requirement: String
        /// The required distribution's name (as installed, when it is).
        public var required: String
        /// Its installed version; nil: not installed.
        public var installed: String?
        public init(distribution: String, version: String?, requirement: String, required: String, installed: String?) {
            self.distribution = distribution
            self.version = version
            self.requirement = requirement
            self.required = required
            self.installed = installed
        }
    }
    /// A requirement the project declares (pyproject.toml, requirements*.txt) whose marker holds here.
    public struct ProjectRequirement: Codable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var requirement: String
        public var name: String
        public var installed: String?
        public var satisfied: Bool
        public var pinned: Bool
        /// From a requirements file (pins expected), not pyproject.toml (ranges expected).
        public var lockStyle: Bool
        enum CodingKeys: String, CodingKey {
            case file, line, requirement, name, installed, satisfied, pinned, lockStyle = "lock_style"
        }
        public init(file: String, line: Int, requirement: String, name: String, installed: String?, satisfied: Bool,
                    pinned: Bool, lockStyle: Bool) {
            self.file = file
            self.line = line
            self.requirement = requirement
            self.name = name
            self.installed = installed
            self.satisfied = satisfied
            self.pinned = pinned
            self.lockStyle = lockStyle
        }
    }
    /// A module in sys.modules at the end of the run.
    public struct Module: Codable, Sendable, Equatable {
        public var name: String
        public var file: String?
        /// "standard library", "built-in", "distribution" or "local".
        public var origin: String?
        public var distribution: String?
        public var version: String?
        /// The line that first imported it (not known for modules imported before the target started).
        public var site: SourceSite?
        /// For a local top-level module: what its name hides ("standard library", distribution names).
        public var shadows: [String]?
        /// The target tried to import it and the import failed: it is not in sys.modules.
        public var importFailed: Bool?
        enum CodingKeys: String, CodingKey {
            case name, file, origin, distribution, version, site, shadows, importFailed = "import_failed"
        }
        public init(name: String, file: String?, origin: String?, distribution: String? = nil, version: String? = nil,
                    site: SourceSite? = nil, shadows: [String]? = nil, importFailed: Bool? = nil) {
            self.importFailed = importFailed
            self.name = name
            self.file = file
            self.origin = origin
            self.distribution = distribution
            self.version = version
            self.site = site
            self.shadows = shadows
        }
    }

    public var error: String?
    public var sysPath: [String] = []
    public var distributionCount = 0
    public var requirementsChecked = 0
    public var duplicates: [Duplicate] = []
    public var sharedModules: [SharedModule] = []
    public var requirementProblems: [RequirementProblem] = []
    public var project: [ProjectRequirement] = []
    public var modules: [Module] = []
    public var problems: [String] = []

    enum CodingKeys: String, CodingKey {
        case error, sysPath = "sys_path", distributionCount = "distribution_count"
        case requirementsChecked = "requirements_checked", duplicates, sharedModules = "shared_modules"
        case requirementProblems = "requirement_problems", project, modules, problems
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        error = try container.decodeIfPresent(String.self, forKey: .error)
        sysPath = try container.decodeIfPresent([String].self, forKey: .sysPath) ?? []
        distributionCount = try container.decodeIfPresent(Int.self, forKey: .distributionCount) ?? 0
        requirementsChecked = try container.decodeIfPresent(Int.self, forKey: .requirementsChecked) ?? 0
        duplicates = try container.decodeIfPresent([Duplicate].self, forKey: .duplicates) ?? []
        sharedModules = try container.decodeIfPresent([SharedModule].self, forKey: .sharedModules) ?? []
        requirementProblems = try container.decodeIfPresent([RequirementProblem].self, forKey: .requirementProblems) ?? []
        project = try container.decodeIfPresent([ProjectRequirement].self, forKey: .project) ?? []
        modules = try container.decodeIfPresent([Module].self, forKey: .modules) ?? []
        problems = try container.decodeIfPresent([String].self, forKey: .problems) ?? []
    }
}
