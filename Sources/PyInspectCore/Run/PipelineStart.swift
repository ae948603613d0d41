/// What every pipeline (run, leaks, compare) needs before it forks: pyinspect's Python helpers and a private
/// capture directory. Thread-safety: call from the main thread, before the fork.
struct PipelineStart {
    let helper: PythonHelper
    let workspace: CaptureWorkspace

    /// nil after a one-line error on stderr; the caller then exits with `ExitStatus.internalError`.
    /// The caller removes the workspace when done (`defer { start.workspace.remove() }`).
    static func make() -> PipelineStart? {
        guard let helpers = HelperScripts.locate() else {
            writeError("cannot find pyinspect's Python helpers (pyscripts/); set PYINSPECT_PYSCRIPTS")
            return nil
        }
        do {
            let workspace = try CaptureWorkspace.create()
            return PipelineStart(helper: PythonHelper(packageDirectory: absolutePath(helpers)), workspace: workspace)
        } catch {
            writeError("\(error)")
            return nil
        }
    }
}
