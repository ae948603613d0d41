// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pyinspect",
    products: [
        .executable(name: "pyinspect", targets: ["pyinspect"]),
        // The interpreter `sys.executable` points at: behaves like python3, so children run under our host.
        .executable(name: "pyinspect-python", targets: ["pyinspect-python"]),
        .library(name: "PyInspectCore", targets: ["PyInspectCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CPython",
            pkgConfig: "python3-embed",
            providers: [.apt(["libpython3-dev"])]
        ),
        .target(name: "CPythonShim", dependencies: ["CPython"]),
        .target(name: "PyInspectCore", dependencies: ["CPythonShim"]),
        .executableTarget(
            name: "pyinspect",
            dependencies: [
                "PyInspectCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "pyinspect-python", dependencies: ["CPythonShim"]),
        .testTarget(name: "PyInspectCoreTests", dependencies: ["PyInspectCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["PyInspectCore"]),
        // The CLI's parser, fuzzed in-process (@testable import of the executable target).
        .testTarget(name: "CLITests", dependencies: ["pyinspect", "PyInspectCore"]),
    ],
    swiftLanguageModes: [.v5]
)
