import CPythonShim
import FoundationEssentials
import Glibc

/// A Python exception raised inside one of pyinspect's helpers: type, message and traceback as text, no live
/// Python objects.
public struct PythonHelperError: Error, CustomStringConvertible {
    public var traceback: String
    public var description: String {
        traceback.split(separator: "\n").last.map(String.init) ?? traceback
    }
}

/// Calls functions of pyinspect's Python helpers (`pyscripts/pyinspect/*.py`, imported as `_pyinspect.*`).
///
/// Thread-safety: callable from any thread once the interpreter is initialised; each call takes the GIL.
public struct PythonHelper: Sendable {
    public let packageDirectory: String

    public init(packageDirectory: String) {
        self.packageDirectory = packageDirectory
    }

    /// `_pyinspect.<module>.<function>(argument)` → its str().
    public func call(_ module: String, _ function: String, _ argument: String = "") throws -> String {
        var result: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        let status = pyi_helper_call(packageDirectory, module, function, argument, &result, &error)
        defer {
            free(result)
            free(error)
        }
        guard status == 0, let result else {
            throw PythonHelperError(traceback: error.map { String(cString: $0) } ?? "unknown Python error")
        }
        return String(cString: result)
    }

    /// Imports helpers from their cached bytecode without importlib's path machinery (helper_call.c), dependencies
    /// first; a helper without a valid cache is left to the ordinary import. Returns how many it loaded.
    @discardableResult
    public func preload(_ modules: [String]) -> Int {
        let names = modules.map { strdup($0) }
        defer { names.forEach { free($0) } }
        let pointers = names.map { UnsafePointer($0) }
        return Int(pointers.withUnsafeBufferPointer { pyi_helper_preload(packageDirectory, $0.baseAddress, Int32($0.count)) })
    }

    /// Calls with a JSON-encoded argument and decodes a JSON result.
    public func call<Argument: Encodable, Result: Decodable>(
        _ module: String, _ function: String, json argument: Argument, as: Result.Type
    ) throws -> Result {
        let encoded = try HelperJSONEncoder.encode(argument)
        let text = try call(module, function, encoded)
        // CaptureDecoder: JSONDecoder's first use costs ~0.5 M instructions of type lookups, in every run.
        guard let parsed = CaptureJSON.parse(ArraySlice(text.utf8)) else {
            throw PythonHelperError(traceback: "\(module).\(function) returned text that is not JSON: \(text.prefix(200))")
        }
        return try CaptureDecoder.decode(Result.self, from: parsed)
    }
}

/// Finds `pyscripts/pyinspect`, the Python half of pyinspect.
public enum HelperScripts {
    /// The one variable `locate` reads (the whole environment as a dictionary costs ~1 M instructions).
    public static func scriptsEnvironment() -> [String: String] {
        environmentValue("PYINSPECT_PYSCRIPTS").map { ["PYINSPECT_PYSCRIPTS": $0] } ?? [:]
    }

    /// `PYINSPECT_PYSCRIPTS`, then beside the executable (installed layout), then up from it (a build tree).
    public static func locate(environment: [String: String] = scriptsEnvironment()) -> String? {
        let marker = "/pyinspect/__init__.py"
        var candidates: [String] = []
        if let explicit = environment["PYINSPECT_PYSCRIPTS"] { candidates.append(explicit) }
        var directory = PathText.deletingLastComponent(PythonPaths.currentExecutable())
        candidates.append(directory + "/pyscripts")
        candidates.append(directory + "/../share/pyinspect/pyscripts")
        for _ in 0..<6 {
            directory = PathText.deletingLastComponent(directory)
            candidates.append(directory + "/pyscripts")
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate + marker) {
            return PathText.standardizing(candidate) + "/pyinspect"
        }
        return nil
    }
}
