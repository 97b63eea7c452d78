import Diagnostics
import Executor
import Planning
import Validation

/// `nsspec doctor [FILE]`: what this host allows and lacks for nsspec's sandboxes; with a spec,
/// what that spec needs that the host lacks (Executor/Doctor.swift holds the facts and their
/// wording; this is the command line around it).
struct DoctorRequest {
    var file: String?

    static let grammar = Arguments.Grammar(subcommand: "doctor")

    static func parse(_ args: [String]) throws(UsageError) -> DoctorRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.count <= 1 else {
            throw UsageError("doctor takes one spec at most, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "doctor")
        }
        return DoctorRequest(file: parsed.positionals.first)
    }

    func run() -> Int32 {
        let caller = currentCaller()
        var doctor = Doctor(system: system, caller: caller)
        let sections = doctor.examine()
        var spec: Doctor.Section?
        if let file {
            // Read, validated and planned as `run` would for this caller; the command may come
            // after '--' at run time, so a missing process.args is no problem of the host's.
            var diagnostics: [Diagnostic] = []
            var source: SourceText?
            var plan: Plan?
            switch SpecInput.read(file) {
            case .failure(let error):
                diagnostics = [error]
            case .success(let input):
                let checked = SpecCheck.check(input.bytes, file: input.name, totalSize: input.size,
                                              options: ValidationOptions(argsFromCommandLine: true, runAsRoot: caller.privileged))
                diagnostics = checked.diagnostics
                source = checked.source
                plan = checked.spec.map { Planner(spec: $0, caller: caller).plan() }
            }
            Output.write(diagnostics.map { DiagnosticRenderer.text($0, source: source) }.joined() + (diagnostics.isEmpty ? "" : "\n"))
            if let plan {
                spec = doctor.needs(of: plan, hostProblems: hostDiagnostics(plan))
            } else {
                spec = Doctor.invalidSpec(file == "-" ? "<stdin>" : file, errors: diagnostics.filter { $0.severity == .error }.count)
            }
        }
        Output.write(doctor.render(sections, spec: spec))
        return doctor.exitStatus(spec: spec)
    }
}
