import FoundationEssentials
import Glibc

/// Where the target's Python children report: `$PYINSPECT_CHILD_DIR/<pid>.jsonl`, one file per process (the
/// record format is documented in pyscripts/pyinspect/child_process.py). Other features may put their own files
/// there (stack dumps); the process records are the `*.jsonl` files.
public enum ChildProcessDirectory {
    /// The directory every process of the target's tree writes its records into.
    public static let directoryVariable = "PYINSPECT_CHILD_DIR"
    /// pyinspect's Python helpers, for pyinspect-python (children started through `sys.executable`).
    public static let helpersVariable = "PYINSPECT_CHILD_HELPERS"
    /// `run --allocations`: the sample size, so pyinspect-python samples its own allocations too.
    public static let allocationsVariable = "PYINSPECT_CHILD_ALLOC_SAMPLE"
    /// Hang watching on (not `--no-hangs`): pyinspect-python records hang events (never-awaited coroutines,
    /// exceptions never retrieved, tasks pending at exit) as the target does. Deadlock detection stays the target's.
    public static let hangsVariable = "PYINSPECT_CHILD_HANGS"
    /// Hang watching with `--timeout`: each child also watches itself for deadlocks (child_hangs.py). Its watcher is
    /// a Python thread the child's own code can see (faulthandler's dumps, sys._current_frames), so it runs only
    /// when a child's hang would otherwise end the run at its timeout unexplained.
    public static let deadlocksVariable = "PYINSPECT_CHILD_DEADLOCKS"
    /// Database statements recorded (not `--no-queries`): each Python process of the tree records what it sends
    /// and writes it at its end into its own file (docs/queries.md).
    public static let queriesVariable = "PYINSPECT_CHILD_QUERIES"
    /// `run --gil`: pyinspect-python traces its own GIL ("<long-hold ms>" or "<long-hold ms>:sampling") and saves
    /// `<pid>.gil.json` beside its records at its exit.
    public static let gilVariable = "PYINSPECT_CHILD_GIL"

    /// Creates `<workspace>/children` and exports both variables, inherited by the target and its descendants.
    /// Call before the fork. nil when the directory cannot be made (the run goes on; children are not listed).
    static func prepare(workspace: CaptureWorkspace, helper: PythonHelper, request: RunRequest) -> String? {
        let directory = workspace.childDirectory
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { return nil }
        setenv(directoryVariable, directory, 1)
        setenv(helpersVariable, helper.packageDirectory, 1)
        if let bytes = request.allocationSampleBytes {
            setenv(allocationsVariable, String(bytes), 1)
        } else {
            unsetenv(allocationsVariable)
        }
        if request.noHangMonitor { unsetenv(hangsVariable) } else { setenv(hangsVariable, "1", 1) }
        if request.noHangMonitor || request.timeoutSeconds == nil {
            unsetenv(deadlocksVariable)
        } else {
            setenv(deadlocksVariable, "1", 1)
        }
        if request.noQueries { unsetenv(queriesVariable) } else { setenv(queriesVariable, "1", 1) }
        if let gil = request.gil {
            setenv(gilVariable, String(gil.longHoldMs) + (gil.sampling ? ":sampling" : ""), 1)
        } else {
            unsetenv(gilVariable)
        }
        return directory
    }
}

extension CaptureWorkspace {
    /// `$PYINSPECT_CHILD_DIR`: the children's records (and whatever else they leave for the parent).
    var childDirectory: String { directory + "/children" }
}
