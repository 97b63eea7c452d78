// libFuzzer target: arbitrary bytes -> YAML reader -> decoder -> rules -> every renderer.
// A package of its own (fuzz/Package.swift), built and run by fuzz/run.sh.
import CFuzzer
import Diagnostics
import Glibc
import Validation

/// libFuzzer's entry point: one input, checked in both validation modes (with and without the
/// process given on the command line).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    for options in [ValidationOptions(), ValidationOptions(argsFromCommandLine: true)] {
        let checked = SpecCheck.check(bytes, file: "fuzz.yaml", options: options)
        precondition((checked.spec == nil) == checked.diagnostics.hasErrors, "a validated spec with errors, or none without")
        for d in checked.diagnostics {
            precondition(d.location.line >= 1 && d.location.column >= 1, "diagnostic without a position: \(d)")
            _ = DiagnosticRenderer.text(d, source: checked.source)
            _ = DiagnosticRenderer.github(d)
        }
        _ = DiagnosticRenderer.json(checked.diagnostics)
    }
    return 0
}

/// SwiftPM links an executable target's entry point as the program's `main`, in place of
/// libFuzzer's: it hands the command line to libFuzzer's driver.
@main enum FuzzSpec {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
    }
}
