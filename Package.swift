// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "nsspec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nsspec", targets: ["nsspec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev), found through pkg-config.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // Source locations, diagnostics and their three renderings. No dependencies.
        .target(name: "Diagnostics"),
        // YAML events -> located nodes -> Spec. Every value keeps file:line:col.
        .target(name: "SpecFormat", dependencies: ["CYAML", "Diagnostics"]),
        // Semantic rules over a decoded Spec. Pure: reads no host state.
        .target(name: "Validation", dependencies: ["SpecFormat", "Diagnostics"]),
        .executableTarget(
            name: "nsspec",
            dependencies: [
                "SpecFormat", "Validation", "Diagnostics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SpecFormatTests", dependencies: ["SpecFormat", "Diagnostics"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "SpecFormat", "Diagnostics"]),
        .testTarget(name: "CLITests", dependencies: ["nsspec"]),
    ],
    swiftLanguageModes: [.v6]
)
