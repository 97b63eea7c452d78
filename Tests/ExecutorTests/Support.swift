import Diagnostics
import Executor
import Foundation
import KernelModel
import Planning
import SpecFormat
import System
import Testing
import Validation

/// The package root: this file is `Tests/ExecutorTests/Support.swift`.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The example specs, by name (specs/NAME.yaml).
let exampleSpecs = ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("specs").path)) ?? [])
    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()

/// The specs that take the fork + unshare/setns path (Tests/ExecutorTests/Specs/NAME.yaml).
let pathSpecs = ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Tests/ExecutorTests/Specs").path)) ?? [])
    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()

/// Every spec of the executor's tests: the examples, then the path fixtures.
let allSpecs = exampleSpecs + pathSpecs

/// Two callers: root, and an unprivileged user whose maps need newuidmap for ranges.
enum Who: String, CaseIterable, Sendable {
    case root, rootless
    var caller: Caller {
        self == .root ? Caller(uid: 0, gid: 0, privileged: true, cwd: "/src/repo")
            : Caller(uid: 1000, gid: 1000, privileged: false, cwd: "/src/repo")
    }
}

/// Loads `specs/NAME.yaml` or `Tests/ExecutorTests/Specs/NAME.yaml` (or YAML text) as `nsspec
/// run` does: it must be valid.
func loadSpec(_ name: String) throws -> ValidatedSpec {
    let file = pathSpecs.contains(name) ? "Tests/ExecutorTests/Specs/\(name).yaml" : "specs/\(name).yaml"
    let url = packageRoot.appendingPathComponent(file)
    return try loadSpec(text: String(decoding: try Data(contentsOf: url), as: UTF8.self), file: file)
}

/// One run of a plan against the model of the kernel.
struct Simulation {
    var code: Int32
    var kernel: FakeKernel
    var plan: Plan
    var trace: [TraceEntry] { kernel.trace }
    var text: String { kernel.trace.map(\.description).joined(separator: "\n") + "\n" }

    /// The index of the first trace line (process, call, outcome) that starts with `prefix`.
    func line(startingWith prefix: String) throws -> Int {
        guard let index = trace.firstIndex(where: { $0.description.hasPrefix(prefix) }) else {
            throw TestFailure("no line starting with '\(prefix)' in\n\(text)")
        }
        return index
    }
}

func simulate(_ plan: Plan, uid: UInt32, _ setUp: (FakeKernel) -> Void = { _ in }) -> Simulation {
    let kernel = FakeKernel()
    kernel.uid = uid
    setUp(kernel)
    let code = kernel.runAsParent { Executor(plan: plan, system: kernel).run() }
    return Simulation(code: code, kernel: kernel, plan: plan)
}

func simulate(_ name: String, _ who: Who, _ setUp: (FakeKernel) -> Void = { _ in }) throws -> Simulation {
    simulate(Planner(spec: try loadSpec(name), caller: who.caller).plan(), uid: who.caller.uid, setUp)
}

/// Runs with a failure injected at call `index` (or where `injection` says).
func simulate(_ name: String, _ who: Who, failing injection: FakeKernel.Injection, _ setUp: (FakeKernel) -> Void = { _ in }) throws
    -> Simulation
{
    try simulate(name, who) {
        $0.inject(injection)
        setUp($0)
    }
}

func loadSpec(text: String, file: String = "t.yaml") throws -> ValidatedSpec {
    let checked = SpecCheck.check(Array(text.utf8), file: file)
    guard let spec = checked.spec else {
        throw TestFailure("\(file) is not valid: \(checked.diagnostics.map { DiagnosticRenderer.text($0, source: checked.source) }.joined())")
    }
    return spec
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Compares `actual` with the file `Tests/ExecutorTests/Golden/NAME`; NSSPEC_UPDATE_GOLDEN=1
/// rewrites it (read every changed file before committing it).
func expectGolden(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let url = packageRoot.appendingPathComponent("Tests/ExecutorTests/Golden/\(name)")
    if ProcessInfo.processInfo.environment["NSSPEC_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
        Issue.record("Golden/\(name) is missing; run with NSSPEC_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
        return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != actual {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
        Issue.record("""
            output differs from Golden/\(name) at line \(first + 1) (NSSPEC_UPDATE_GOLDEN=1 rewrites it):
            - \(first < e.count ? e[first] : "<end>")
            + \(first < a.count ? a[first] : "<end>")
            """, sourceLocation: sourceLocation)
    }
}
