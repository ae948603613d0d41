// swift-tools-version:6.0
import PackageDescription

// The two executables link Debian's libpython3.11.a (from libpython3.11-dev, the package pkg-config's
// python3-embed describes) into a non-PIE binary that exports its symbols, which is how /usr/bin/python3.11
// itself is built. Measured with callgrind on a pure-Python loop: the shared libpython3.11.so executes 18.6%
// more instructions than python3, the static archive 5.4%. Extension modules resolve libpython's symbols
// against the executable. (With --static-swift-stdlib as well, extension imports crashed: don't combine.)
// The library product links the shared libpython (target SharedPythonLink), as embedders expect; the executables do not depend on that target, so they carry no DT_NEEDED on
// libpython3.11.so.1.0: loading it beside the archive that already defines every symbol cost ~1.6 M instructions
// at every start (callgrind). CPython gives only the headers (pkg-config python3: cflags, no libraries).
let staticPython: [LinkerSetting] = [
    .unsafeFlags([
        "-Xclang-linker", "-no-pie",
        "-Xlinker", "--export-dynamic",
        "-Xlinker", "--whole-archive",
        "-Xlinker", "/usr/lib/x86_64-linux-gnu/libpython3.11.a",
        "-Xlinker", "--no-whole-archive",
        "-lexpat", "-lz", "-ldl", "-lutil", "-lm", "-lpthread",
    ])
]

let package = Package(
    name: "pyinspect",
    products: [
        .executable(name: "pyinspect", targets: ["pyinspect"]),
        // The interpreter `sys.executable` points at: behaves like python3, so children run under our host.
        .executable(name: "pyinspect-python", targets: ["pyinspect-python"]),
        .library(name: "PyInspectCore", targets: ["PyInspectCore", "SharedPythonLink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CPython",
            pkgConfig: "python3",
            providers: [.apt(["libpython3-dev"])]
        ),
        .target(name: "SharedPythonLink", linkerSettings: [.linkedLibrary("python3.11")]),
        .target(name: "CPythonShim", dependencies: ["CPython"]),
        // The pyinspect executable's alone: Swift's crash backtracer off unless SWIFT_BACKTRACE asks (start-up).
        .target(name: "BacktraceOff"),
        .target(name: "PyInspectCore", dependencies: ["CPythonShim"]),
        .executableTarget(
            name: "pyinspect",
            dependencies: [
                "PyInspectCore", "BacktraceOff",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: staticPython
        ),
        .executableTarget(name: "pyinspect-python", dependencies: ["CPythonShim"], linkerSettings: staticPython),
        .testTarget(name: "PyInspectCoreTests", dependencies: ["PyInspectCore", "SharedPythonLink"]),
        .testTarget(name: "EndToEndTests", dependencies: ["PyInspectCore", "SharedPythonLink"]),
        // How a Swift test suite uses the library (README: "From Swift tests").
        .testTarget(name: "LibraryExampleTests", dependencies: ["PyInspectCore", "SharedPythonLink"]),
        // The CLI's parser, fuzzed in-process (@testable import of the executable target).
        .testTarget(name: "CLITests", dependencies: ["pyinspect", "PyInspectCore", "SharedPythonLink"]),
    ],
    swiftLanguageModes: [.v5]
)
