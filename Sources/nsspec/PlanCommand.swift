import ArgumentParser
import Planning

struct PlanCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument { case text, json }

    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the steps `run` would take, in order, each with its stage, actor and spec line.",
        discussion: "Exit status: 0, or 1 when the spec has errors (printed as `validate` prints them)."
    )

    @Argument(help: "The spec. Default: ./nsspec.yaml")
    var file: String = "nsspec.yaml"

    @Option(help: "text, or json (one object with a `steps` array).")
    var format: Format = .text

    @Argument(parsing: .postTerminator, help: "A command that replaces process.args, as for `run`.")
    var command: [String] = []

    func run() throws {
        guard let plan = preparePlan(file, argsOverride: command.isEmpty ? nil : command) else { throw ExitCode(1) }
        Output.write(format == .json ? PlanRenderer.json(plan) : PlanRenderer.text(plan))
    }
}
