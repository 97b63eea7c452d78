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
        guard let plan = preparePlan(file, argsOverride: command.isEmpty ? nil : command) else { throw ExitCode(125) }
        if let veth = plan.unsupportedVeth {
            Output.error("\(veth): error: network: veth pairs are not built by this version of nsspec yet; "
                         + "remove network.veth to run the sandbox with loopback only\n")
            throw ExitCode(125)
        }
        let executor = Executor(plan: plan, system: LinuxSystemCalls(), caller: currentCaller(),
                                options: Executor.Options(verbose: verbose))
        let code = executor.run()
        if code != 0 { throw ExitCode(code) }
    }
}
