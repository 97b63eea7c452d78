import ArgumentParser
import Planning

struct PlanCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument { case text, json }

    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the steps `run` would take, in order, each with its stage, actor and spec line.",
        discussion: """
            With several specs, text plans follow one another and JSON is an array of plans.
            Exit status: 0, or 1 when a spec has errors (printed as `validate` prints them).
            """
    )

    @Argument(help: "The specs (default: ./nsspec.yaml); after --, a command that replaces process.args, as for `run`.")
    var arguments: [String] = []

    @Option(help: "text, or json (one object with a `steps` array).")
    var format: Format = .text

    func run() throws {
        // The parser hands over the words after `--` as more positionals; split them off.
        let all = CommandLine.arguments
        let afterTerminator = all.firstIndex(of: "--").map { all.count - $0 - 1 } ?? 0
        let files = Array(arguments.dropLast(afterTerminator))
        let command = Array(arguments.suffix(afterTerminator))
        let paths = files.isEmpty ? ["nsspec.yaml"] : files
        var rendered: [String] = []
        var failed = false
        for path in paths {
            guard let plan = preparePlan(path, argsOverride: command.isEmpty ? nil : command) else {
                failed = true
                continue
            }
            rendered.append(format == .json ? PlanRenderer.json(plan) : PlanRenderer.text(plan))
        }
        if format == .json && paths.count > 1 {
            Output.write("[\n" + rendered.joined(separator: ",\n") + "]\n")
        } else {
            Output.write(rendered.joined(separator: "\n"))
        }
        if failed { throw ExitCode(1) }
    }
}
