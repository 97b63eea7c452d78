import Executor
import System

/// `nsspec run [-v|--verbose] [--no-cache] [FILE] [-- CMD…]`.
struct RunRequest {
    var file = "nsspec.yaml"
    var verbose = false
    var useCache = true
    var command: [String] = []
    /// `--name NAME [--detach]`: a named sandbox (NamedCommands.swift).
    var name: String?
    var detach = false

    static let grammar = Arguments.Grammar(flags: ["-v": "verbose", "--verbose": "verbose", "--no-cache": "no-cache", "-d": "detach",
                                                   "--detach": "detach"],
                                           options: ["--name": "name"], takesCommand: true, subcommand: "run")

    static func parse(_ args: [String]) throws(UsageError) -> RunRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.count <= 1 else {
            throw UsageError("run takes one spec, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "run")
        }
        let name = parsed.options["name"]
        if let name, !NamedSandbox.isValidName(name) {
            throw UsageError("'\(name)' is not a valid sandbox name (\(NamedSandbox.nameRule))", "run")
        }
        if parsed.flags.contains("detach") && name == nil { throw UsageError("--detach needs --name NAME", "run") }
        return RunRequest(file: parsed.positionals.first ?? "nsspec.yaml", verbose: parsed.flags.contains("verbose"),
                          useCache: !parsed.flags.contains("no-cache"), command: parsed.command, name: name,
                          detach: parsed.flags.contains("detach"))
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
        if let name { return NamedRun(name: name, detach: detach, file: file, plan: plan, executor: executor).run() }
        return executor.run()
    }
}
