import ArgumentParser
import PyInspectCore

extension PyInspectCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a script, -m module or -c code as python3 would, under instrumentation.",
            usage: "pyinspect run [options] (SCRIPT | -m MODULE | -c CODE) [ARGS...]"
        )

        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Write the report as a self-contained HTML page: verdict, figures, findings, threads, gc and the sections that were on (--gil, --allocations).", valueName: "file"))
        var html: String?

        @Option(help: ArgumentHelp("Stop the target after this many seconds and report every thread's stack.", valueName: "seconds"))
        var timeout: Double?

        @Flag(help: "Trace the GIL too: the report gets the `gil` section of `pyinspect gil` (see docs/gil.md).")
        var gil = false
        @Option(
            name: .customLong("memory-limit"),
            help: ArgumentHelp(
                "Let the target allocate at most this much (512M, 2G); beyond it the run ends with verdict memory_limit, exit 125.",
                valueName: "size"))
        var memoryLimit: String?
        @Flag(help: "Sample allocations with their Python stacks: the report gets an `allocations` section (see docs/allocations.md).")
        var allocations = false
        @Option(
            name: .customLong("alloc-sample"),
            help: ArgumentHelp(
                "Sample one allocation per this many bytes on average (default 256K; 1 records every allocation). Implies --allocations.",
                valueName: "size"))
        var allocSample: String?
        @Option(help: ArgumentHelp("Serve the control socket at this path (mode 0600, in a directory only you can enter) for `pyinspect checkpoint|diff|dump|watch`; default: one in $XDG_RUNTIME_DIR or /tmp/pyinspect-UID, named by pyinspect's pid.", valueName: "path"))
        var control: String?
        @Option(help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics while the target runs (loopback only unless --metrics-any-host; see docs/services.md).", valueName: "host:port"))
        var metrics: String?
        @Flag(name: .customLong("metrics-any-host"), help: "Let --metrics listen on an address other than loopback.")
        var metricsAnyHost = false
        @Flag(name: .customLong("no-hangs"), help: "Do not watch for deadlocks, blocked loops and asyncio misuse.")
        var noHangs = false
        @Flag(help: "Profile too: the report gets the `profile` section of `pyinspect profile` (see docs/profile.md).")
        var profile = false
        @Option(
            name: .customLong("profile-rate"),
            help: ArgumentHelp("Profile samples per second and thread (default 100). Implies --profile.", valueName: "hz"))
        var profileRate: Double?
        @Flag(name: .customLong("no-queries"), help: "Do not record database statements (sqlite3, psycopg, psycopg2; see docs/queries.md).")
        var noQueries = false
        @Flag(name: .customLong("explain"), help: "Ask the database for the plan of each slow statement (EXPLAIN QUERY PLAN on sqlite, EXPLAIN on PostgreSQL; never runs it again).")
        var explain = false

        @Argument(parsing: .captureForPassthrough, help: "SCRIPT | -m MODULE | -c CODE, then the target's arguments.")
        var target: [String] = []

        func validate() throws {
            // With passthrough parsing `run --help` would reach the target spec: answer it here.
            if let first = target.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
            if let line = CommandLineParsing.mistypedOption(target, of: Self.self) { throw ValidationError(line) }
            if let profileRate, let problem = ProfileOptions.rateProblem(profileRate) {
                throw ValidationError(problem.replacing("--rate", with: "--profile-rate"))
            }
            if let timeout, !(timeout > 0 && timeout.isFinite && timeout < 1e9) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
            do {
                if let memoryLimit { _ = try MemorySize.parse(memoryLimit) }
                if let allocSample { _ = try AllocationOptions.sampleBytes(allocSample) }
                if let metrics, case .failure(let error) = MetricsAddress.parse(metrics, allowAnyHost: metricsAnyHost) {
                    throw error
                }
                _ = try RunTarget.parse(target)
            } catch let error as UsageError {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            let parsed: RunTarget
            let limit: UInt64?
            do {
                parsed = try RunTarget.parse(target)
                limit = try memoryLimit.map(MemorySize.parse)
            } catch let error as UsageError {
                throw ValidationError(error.message)
            }
            var request = RunRequest(
                target: parsed, timeoutSeconds: timeout, jsonPath: report.json, quiet: report.quiet,
                memoryLimitBytes: limit)
            if gil { request.gil = GILOptions() }
            if allocations || allocSample != nil {
                do {
                    request.allocationSampleBytes = try allocSample.map(AllocationOptions.sampleBytes) ?? AllocationOptions.defaultSampleBytes
                } catch let error as UsageError {
                    throw ValidationError(error.message)
                }
            }
            request.noHangMonitor = noHangs
            request.controlPath = control
            if let metrics {
                switch MetricsAddress.parse(metrics, allowAnyHost: metricsAnyHost) {
                case .success(let address): request.metricsAddress = address
                case .failure(let error): throw ValidationError(error.message)
                }
            }
            if profile || profileRate != nil {
                request.profile = ProfileOptions(rateHz: profileRate ?? ProfileOptions.defaultRateHz)
            }
            request.noQueries = noQueries
            request.explainQueries = explain
            request.junitPath = report.junit
            request.htmlPath = html
            throw ExitCode(RunPipeline.execute(request))
        }
    }
}
