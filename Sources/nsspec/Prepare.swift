import Diagnostics
import Planning
import Validation

/// Read, decode, validate and plan one spec: the shared front half of `plan` and `run`.
/// Diagnostics go to standard error; nil means the spec has errors (all of them printed).
func preparePlan(_ path: String, argsOverride: [String]?) -> Plan? {
    let spec: ValidatedSpec
    let caller = currentCaller()
    switch SpecInput.read(path) {
    case .failure(let error):
        Output.error(DiagnosticRenderer.text(error, source: nil))
        return nil
    case .success(let input):
        let checked = SpecCheck.check(input.bytes, file: input.name, totalSize: input.size,
                                      options: ValidationOptions(argsFromCommandLine: argsOverride != nil,
                                                                 runAsRoot: caller.privileged))
        // Warnings only: after a re-exec from the sealed copy (the plan's first step) the spec
        // is read again, and its warnings were printed before.
        if !checked.diagnostics.isEmpty && (checked.diagnostics.hasErrors || !system.runsFromSealedCopy()) {
            Output.error(checked.diagnostics.map { DiagnosticRenderer.text($0, source: checked.source) }.joined())
        }
        guard let validated = checked.spec else { return nil }
        spec = validated
    }
    return Planner(spec: spec, caller: caller, argsOverride: argsOverride).plan()
}

func currentCaller() -> Caller {
    let id = system.identity()
    return Caller(uid: id.uid, gid: id.gid, privileged: id.root, cwd: (try? system.currentDirectory()) ?? "/")
}
