// libFuzzer entry point: arbitrary bytes -> YAML reader -> decoder -> rules -> every renderer.
// Built and run by fuzz/run.sh; not part of the package build.
import Diagnostics
import SpecFormat
import Validation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let loaded = SpecLoader.load(bytes, file: "fuzz.yaml")
    var diagnostics = loaded.diagnostics
    if let spec = loaded.spec {
        diagnostics += Validator.validate(spec)
        diagnostics += Validator.validate(spec, options: ValidationOptions(argsFromCommandLine: true))
    }
    for d in diagnostics.sortedByLocation() {
        precondition(d.location.line >= 1 && d.location.column >= 1, "diagnostic without a position: \(d)")
        _ = DiagnosticRenderer.text(d, source: loaded.source)
        _ = DiagnosticRenderer.github(d)
    }
    _ = DiagnosticRenderer.json(diagnostics)
    return 0
}
