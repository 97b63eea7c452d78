import Diagnostics
import Executor
import Planning
import Validation

/// Read, decode, validate and plan one spec: the shared front half of `plan` and `run`.
/// Diagnostics go to standard error; nil means the spec has errors (all of them printed).
/// With a cache (`run`), a plan made before for the same spec, caller and nsspec is used as it
/// is, and a new one is stored.
func preparePlan(_ path: String, argsOverride: [String]?, cache: CacheStore? = nil, verbose: Bool = false) -> Plan? {
    let caller = currentCaller()
    guard let input = readSpecInput(path) else { return nil }
    // Warnings only: after a re-exec from the sealed copy (the plan's first step) the spec is
    // read again, and its warnings were printed before (asked only when there are some).
    func printWarnings(_ text: String, errors: Bool) {
        if !text.isEmpty && (errors || !system.runsFromSealedCopy()) { Output.error(text) }
    }
    let planCache = cache.flatMap { PlanCache(store: $0, input: input, path: path, caller: caller, argsOverride: argsOverride) }
    if let planCache, let (plan, warnings) = planCache.load() {
        printWarnings(warnings, errors: false)
        if verbose { Output.error("nsspec: plan from the cache (\(planCache.path))\n") }
        return plan
    }
    let checked = SpecCheck.check(input.bytes, file: input.name, totalSize: input.size,
                                  options: ValidationOptions(argsFromCommandLine: argsOverride != nil,
                                                             runAsRoot: caller.privileged))
    let warnings = checked.diagnostics.map { DiagnosticRenderer.text($0, source: checked.source) }.joined()
    printWarnings(warnings, errors: checked.diagnostics.hasErrors)
    guard let spec = checked.spec else { return nil }
    let plan = Planner(spec: spec, caller: caller, argsOverride: argsOverride).plan()
    if let planCache {
        planCache.save(plan, warnings: warnings)
        if verbose { Output.error("nsspec: plan compiled, and stored in the cache (\(planCache.path))\n") }
    }
    return plan
}

/// Read, decode and validate one spec, without the plan cache: `export`, which needs the spec
/// beside its plan. Diagnostics go to standard error; nil means errors (all printed).
func prepareSpec(_ path: String, argsFromCommandLine: Bool = false) -> (ValidatedSpec, Caller)? {
    let caller = currentCaller()
    guard let input = readSpecInput(path) else { return nil }
    let checked = SpecCheck.check(input.bytes, file: input.name, totalSize: input.size,
                                  options: ValidationOptions(argsFromCommandLine: argsFromCommandLine, runAsRoot: caller.privileged))
    let text = checked.diagnostics.map { DiagnosticRenderer.text($0, source: checked.source) }.joined()
    if !text.isEmpty { Output.error(text) }
    return checked.spec.map { ($0, caller) }
}

/// The spec's bytes, or nil with the reason printed (a missing file, one too large).
func readSpecInput(_ path: String) -> SpecInput? {
    switch SpecInput.read(path) {
    case .failure(let error):
        Output.error(DiagnosticRenderer.text(error, source: nil))
        return nil
    case .success(let read):
        return read
    }
}

func currentCaller() -> Caller {
    let id = system.identity()
    return Caller(uid: id.uid, gid: id.gid, privileged: id.root, cwd: (try? system.currentDirectory()) ?? "/")
}
