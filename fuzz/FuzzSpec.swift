// libFuzzer target: arbitrary bytes -> YAML reader -> decoder -> rules -> planner -> every renderer,
// and the plan's binary form (the cache's): every plan comes back whole from its bytes, and
// arbitrary bytes decode to a plan or to nothing, never to a trap.
// A package of its own (fuzz/Package.swift), built and run by fuzz/run.sh.
import CFuzzer
import Diagnostics
import Glibc
import Planning
import Validation

/// libFuzzer's entry point: one input, checked in both validation modes (with and without the
/// process given on the command line).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = Plan(encoded: bytes)
    for options in [ValidationOptions(), ValidationOptions(argsFromCommandLine: true)] {
        let checked = SpecCheck.check(bytes, file: "fuzz.yaml", options: options)
        precondition((checked.spec == nil) == checked.diagnostics.hasErrors, "a validated spec with errors, or none without")
        for d in checked.diagnostics {
            precondition(d.location.line >= 1 && d.location.column >= 1, "diagnostic without a position: \(d)")
            // Nothing of the spec reaches a terminal raw: no control, separator or bidi character
            // but the renderer's own newlines (and the snippet's tabs).
            let text = DiagnosticRenderer.text(d, source: checked.source)
            precondition(!text.unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" && $0 != "\t" },
                         "unsafe character in the text output: \(d)")
            let github = DiagnosticRenderer.github(d)
            precondition(!github.unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" && $0 != "\t" },
                         "unsafe character in the GitHub output: \(d)")
        }
        let json = DiagnosticRenderer.json(checked.diagnostics)
        precondition(!json.unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" }, "unsafe character in the JSON output")
        // A validated spec plans, as root and not: its typed views hold what validation promised.
        guard let spec = checked.spec else { continue }
        let args = options.argsFromCommandLine ? ["/bin/true"] : nil
        for caller in callers {
            let plan = Planner(spec: spec, caller: caller, argsOverride: args).plan()
            _ = PlanRenderer.text(plan)
            _ = PlanRenderer.json(plan)
            precondition(Plan(encoded: plan.encoded()) == plan, "a plan that does not come back from its bytes")
        }
    }
    return 0
}

let callers = [
    Caller(uid: 0, gid: 0, privileged: true, cwd: "/src"),
    Caller(uid: 1000, gid: 1000, privileged: false, cwd: "/src"),
]

/// SwiftPM links an executable target's entry point as the program's `main`, in place of
/// libFuzzer's: it hands the command line to libFuzzer's driver.
@main enum FuzzSpec {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
    }
}
