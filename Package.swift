// swift-tools-version: 6.0
import PackageDescription

// The release configuration builds the fast binary (README, Performance): fully static (Swift
// stdlib, libyaml, libcap, libseccomp, glibc), with generic type metadata reached through direct
// accessors rather than mangled names the runtime demangles at first use, each function in a
// section of its own, linked by lld in the order of linker/symbol-order.txt (the functions
// `run` touches, profiled by bench/symbol-order.sh) so that they sit in few pages. A static
// executable starts in a fraction of a dynamic one's time; `swift build -c release` alone gives
// it, and `make release` (a scratch path of its own) stays the documented way.
let releaseCode: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors", "-Xfrontend", "-function-sections"],
                 .when(configuration: .release)),
]
let releaseLink: [LinkerSetting] = [
    .unsafeFlags(["-static-executable", "-use-ld=lld",
                  "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/linker/symbol-order.txt",
                  "-Xlinker", "--no-warn-symbol-ordering"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "nsspec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nsspec", targets: ["nsspec"]),
        // The pure front half, for the fuzz package (fuzz/Package.swift depends on this one by
        // path); the nsspec product does not use it.
        .library(name: "NSSpecFrontEnd", targets: ["Diagnostics", "SpecFormat", "Validation", "Planning"]),
    ],
    // No Swift packages: swift-argument-parser would link FoundationEssentials into the static
    // binary, which costs every launch (README, Performance). The CLI parses its own arguments.
    dependencies: [],
    targets: [
        // libyaml from the system (Debian: libyaml-dev), found through pkg-config.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // libcap from the system (Debian: libcap-dev).
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        // The gaps of Swift's Glibc module (_GNU_SOURCE names, variadic calls, macros).
        .target(name: "CLinux"),
        // A system-call filter as a value (rules, conditions, actions). No dependencies.
        .target(name: "SyscallFilter"),
        // libseccomp from the system (Debian: libseccomp-dev): compiles a filter to BPF.
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        // Source locations, diagnostics and their three renderings. No dependencies.
        .target(name: "Diagnostics"),
        // YAML events -> located nodes -> Spec. Every value keeps file:line:col.
        .target(name: "SpecFormat", dependencies: ["CYAML", "Diagnostics"]),
        // Semantic rules over a decoded Spec. Pure: reads no host state.
        .target(name: "Validation", dependencies: ["SpecFormat", "Diagnostics"]),
        // ValidatedSpec -> Plan: the ordered steps of a run. Pure.
        .target(name: "Planning", dependencies: ["Validation", "SpecFormat", "Diagnostics", "SyscallFilter"]),
        // The seam to the kernel: SystemCalls, the kernel's typed vocabulary, the Linux implementation.
        .target(name: "System", dependencies: ["CLinux", "CCap", "CSeccomp", "SyscallFilter"]),
        // Runs a Plan's steps through SystemCalls, one stage per file.
        .target(name: "Executor", dependencies: ["Planning", "System", "SpecFormat", "Diagnostics", "SyscallFilter"]),
        .executableTarget(
            name: "nsspec",
            dependencies: [
                "SpecFormat", "Validation", "Diagnostics", "Planning", "System", "Executor",
            ]
        ),
        .testTarget(name: "SpecFormatTests", dependencies: ["SpecFormat", "Diagnostics"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "SpecFormat", "Diagnostics"]),
        // Test support, in no product: a model of the kernel that runs the processes of a run and
        // records their calls (the release binary holds none of it).
        .target(name: "KernelModel", dependencies: ["System", "SyscallFilter"], path: "Tests/KernelModel"),
        .testTarget(name: "ExecutorTests",
                    dependencies: ["Executor", "Planning", "Validation", "System", "SpecFormat", "Diagnostics", "KernelModel"],
                    exclude: ["Golden", "Specs"]),
        .testTarget(name: "SystemTests", dependencies: ["System"]),
        .testTarget(name: "CLITests", dependencies: ["nsspec"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where ["SyscallFilter", "Diagnostics", "SpecFormat", "Validation", "Planning", "System", "Executor", "nsspec"].contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + releaseCode
    if target.type == .executable { target.linkerSettings = (target.linkerSettings ?? []) + releaseLink }
}
