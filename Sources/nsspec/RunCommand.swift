import Executor
import System

/// `nsspec run [-v|--verbose] [FILE] [-- CMD…]`.
struct RunRequest {
    var file = "nsspec.yaml"
    var verbose = false
    var command: [String] = []

    static let grammar = Arguments.Grammar(flags: ["-v": "verbose", "--verbose": "verbose"], takesCommand: true, subcommand: "run")

    static func parse(_ args: [String]) throws(UsageError) -> RunRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.count <= 1 else {
            throw UsageError("run takes one spec, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "run")
        }
        return RunRequest(file: parsed.positionals.first ?? "nsspec.yaml", verbose: parsed.flags.contains("verbose"),
                          command: parsed.command)
    }

    func run() -> Int32 {
        guard let plan = preparePlan(file, argsOverride: command.isEmpty ? nil : command) else { return 125 }
        let executor = Executor(plan: plan, system: system,
                                options: Executor.Options(verbose: verbose))
        return executor.run()
    }
}
