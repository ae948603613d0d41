import CPythonShim
import FoundationEssentials
import Glibc

/// Where the embedded interpreter's paths come from.
///
/// CPython derives `sys.prefix` and the virtualenv from `config.executable` (it reads `pyvenv.cfg` beside it),
/// so the anchor is the activated virtualenv's `bin/python` when there is one, else the system python3 that
/// matches the linked libpython. `sys.executable` is set to `pyinspect-python` afterwards.
public enum PythonPaths {
    /// The interpreter that matches the linked libpython (Debian's, not the one first on PATH).
    public static let systemPython = "/usr/bin/python3"

    /// Reads this process's environment (the rule lives in C, shared with pyinspect-python).
    public static func pathAnchor() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        pyi_path_anchor(&buffer, buffer.count)
        return String(cString: buffer)
    }

    /// The absolute path of the running executable.
    public static func currentExecutable() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments.first ?? "pyinspect"
    }

    /// `pyinspect-python`, installed beside `pyinspect`.
    public static func childInterpreter() -> String {
        let directory = PathText.deletingLastComponent(currentExecutable())
        return directory + "/pyinspect-python"
    }
}
