// libFuzzer entry point: arbitrary bytes -> YAML reader -> decoder -> rules -> every renderer.
// Built and run by fuzz/run.sh; not part of the package build.
import Diagnostics
import Validation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
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
