import Diagnostics
import Executor
import Planning
import Validation

/// `validate --host` and `doctor FILE`: the spec planned for this caller as `run` plans it, and
/// the host checks of that plan's preflight — every problem, not just the first — as diagnostics
/// at the spec lines of their steps. Nothing runs: no fork, no namespace.
func hostDiagnostics(_ spec: ValidatedSpec) -> [Diagnostic] {
    hostDiagnostics(Planner(spec: spec, caller: currentCaller()).plan())
}

func hostDiagnostics(_ plan: Plan) -> [Diagnostic] {
    Executor(plan: plan, system: system).hostCheck()
}
