import ArgumentParser
import Executor
import System

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create the sandbox a spec describes and run its process in it.",
        discussion: """
            Exit status: the process's own status; 128+N if it died by signal N; 125 if nsspec failed
            before the process started (the error names the stage and the spec line); 126 if the
            command is not executable; 127 if it is not found.
            """
    )

    @Argument(help: "The spec. Default: ./nsspec.yaml")
    var file: String = "nsspec.yaml"

    @Flag(name: .shortAndLong, help: "Print each stage as it runs, with its duration.")
    var verbose = false

    @Argument(parsing: .postTerminator, help: "A command that replaces process.args (after --).")
    var command: [String] = []

    func run() throws {
        let code = RunRequest(file: file, verbose: verbose, command: command).run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// `nsspec run`'s arguments. The usual command lines are parsed here directly, so that the run
/// path skips swift-argument-parser's reflection (about 8 million instructions, measured with
/// callgrind); anything unusual (--help, a typo) goes through `RunCommand` for its messages.
struct RunRequest {
    var file = "nsspec.yaml"
    var verbose = false
    var command: [String] = []

    /// nil when the arguments are not the plain form `[-v|--verbose] [FILE] [-- CMD…]`.
    static func parse(_ args: [String]) -> RunRequest? {
        var request = RunRequest()
        var sawFile = false
        for (i, arg) in args.enumerated() {
            switch arg {
            case "--":
                request.command = Array(args[(i + 1)...])
                return request
            case "-v", "--verbose":
                request.verbose = true
            default:
                if sawFile || (arg.hasPrefix("-") && arg != "-") { return nil }
                request.file = arg
                sawFile = true
            }
        }
        return request
    }

    func run() -> Int32 {
        guard let plan = preparePlan(file, argsOverride: command.isEmpty ? nil : command) else { return 125 }
        let executor = Executor(plan: plan, system: system,
                                options: Executor.Options(verbose: verbose))
        return executor.run()
    }
}
