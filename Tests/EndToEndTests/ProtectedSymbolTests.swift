import Foundation
import Testing

/// The executables are linked non-PIE (static libpython, as python3 is built; see Package.swift). In a non-PIE
/// executable, taking the address of a function that a shared library defines as protected (most of
/// libswiftCore) makes glibc print "warning: direct reference to protected function ..." on stderr the first
/// time it is bound: `\.isNewline` passed as a function did that. LD_BIND_NOW binds everything at start-up,
/// so this test sees every such reference at once.
@Suite struct ProtectedSymbolTests {
    /// From swiftrt.o, the Swift runtime's own start-up object in every Swift executable; bound only when
    /// Swift's crash backtracer runs in the supervising parent.
    static let knownFromSwiftRuntime = ["_swift_backtrace_isThunkFunction"]

    @Test(arguments: ["pyinspect", "pyinspect-python"]) func noDirectReferencesToProtectedFunctions(binary: String) throws {
        let path = (BinaryHarness.binary as NSString).deletingLastPathComponent + "/" + binary
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = binary == "pyinspect" ? ["--version"] : ["-c", "pass"]
        process.environment = ProcessInfo.processInfo.environment.merging(["LD_BIND_NOW": "1"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let offenders = text.split(separator: "\n").filter { $0.contains("direct reference to protected function") }
            .filter { line in !Self.knownFromSwiftRuntime.contains { line.contains("`\($0)'") } }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
