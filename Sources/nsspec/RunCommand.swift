import Executor
import System

/// `nsspec run [-v|--verbose] [--no-cache] [FILE] [-- CMD…]`.
struct RunRequest {
    var file = "nsspec.yaml"
    var verbose = false
    var useCache = true
    var command: [String] = []

    static let grammar = Arguments.Grammar(flags: ["-v": "verbose", "--verbose": "verbose", "--no-cache": "no-cache"],
                                           takesCommand: true, subcommand: "run")

    static func parse(_ args: [String]) throws(UsageError) -> RunRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.count <= 1 else {
            throw UsageError("run takes one spec, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "run")
        }
        return RunRequest(file: parsed.positionals.first ?? "nsspec.yaml", verbose: parsed.flags.contains("verbose"),
                          useCache: !parsed.flags.contains("no-cache"), command: parsed.command)
    }

    func run() -> Int32 {
        var cache: CacheStore?
        if useCache {
            switch CacheStore.open(system) {
            case .success(let store): cache = store
            case .failure(let off): if verbose { Output.error("nsspec: no cache: \(off.reason)\n") }
            }
        }
        guard let plan = preparePlan(file, argsOverride: command.isEmpty ? nil : command, cache: cache, verbose: verbose) else {
            return 125
        }
        let executor = Executor(plan: plan, system: system, options: Executor.Options(verbose: verbose), cache: cache)
        return executor.run()
    }
}
