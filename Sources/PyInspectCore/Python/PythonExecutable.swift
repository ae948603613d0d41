import CPythonShim
import Foundation

/// The `pyinspect-python` program: python3's `main()` with pyinspect's path set-up, so that it is a valid
/// `sys.executable` for targets (multiprocessing `spawn`/`forkserver`, the resource tracker, pip).
public enum PythonExecutable {
    public static func main(arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, count: Int32) -> Never {
        pyi_ignore_sigpipe()
        let anchor = PythonPaths.pathAnchor(environment: ProcessInfo.processInfo.environment)
        let code = anchor.withCString { pyi_python_main($0, count, arguments) }
        exit(code)
    }
}
