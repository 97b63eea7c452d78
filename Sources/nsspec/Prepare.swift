import Diagnostics
import Planning
import SpecFormat
import Validation

/// Read, decode, validate and plan one spec: the shared front half of `plan` and `run`.
/// Diagnostics go to standard error; nil means the spec has errors (all of them printed).
func preparePlan(_ path: String, argsOverride: [String]?) -> Plan? {
    let spec: Spec
    switch SpecInput.read(path) {
    case .failure(let error):
        Output.error(DiagnosticRenderer.text(error, source: nil))
        return nil
    case .success(let input):
        let loaded = SpecLoader.load(input.bytes, file: input.name, totalSize: input.size)
        let rules = loaded.spec.map { Validator.validate($0, options: ValidationOptions(argsFromCommandLine: argsOverride != nil)) } ?? []
        let diagnostics = (loaded.diagnostics + rules).sortedByLocation()
        if !diagnostics.isEmpty {
            Output.error(diagnostics.map { DiagnosticRenderer.text($0, source: loaded.source) }.joined())
        }
        guard let decoded = loaded.spec, !diagnostics.hasErrors else { return nil }
        spec = decoded
    }
    return Planner(spec: spec, caller: currentCaller(), argsOverride: argsOverride).plan()
}

func currentCaller() -> Caller {
    let id = system.identity()
    return Caller(uid: id.uid, gid: id.gid, privileged: id.root, cwd: (try? system.currentDirectory()) ?? "/")
}
