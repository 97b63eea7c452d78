// swift-tools-version: 6.0
// The libFuzzer target: a package of its own, so that the main package never needs
// -sanitize=fuzzer, with its module graph from ../Package.swift. Built and run by fuzz/run.sh.
import PackageDescription

let package = Package(
    name: "nsspec-fuzz",
    dependencies: [.package(name: "nsspec", path: "..")],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, declared for Swift.
        .systemLibrary(name: "CFuzzer", path: "CFuzzer"),
        .executableTarget(
            name: "fuzz-spec",
            dependencies: ["CFuzzer", .product(name: "NSSpecFrontEnd", package: "nsspec")],
            path: ".",
            exclude: ["CFuzzer", "crashes", "regressions", "run.sh", "yaml.dict"],
            sources: ["FuzzSpec.swift"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
