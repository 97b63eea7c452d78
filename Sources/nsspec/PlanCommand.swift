import Planning

/// `nsspec plan [--format text|json] [FILE…] [-- CMD…]`.
struct PlanRequest {
    var files: [String] = []
    var json = false
    var command: [String] = []

    static let grammar = Arguments.Grammar(options: ["--format": "format"], takesCommand: true, subcommand: "plan")

    static func parse(_ args: [String]) throws(UsageError) -> PlanRequest {
        let parsed = try Arguments.parse(args, grammar)
        let format = try parsed.choice("format", ["text", "json"], default: "text", "plan")
        return PlanRequest(files: parsed.positionals, json: format == "json", command: parsed.command)
    }

    func run() -> Int32 {
        let paths = files.isEmpty ? ["nsspec.yaml"] : files
        var rendered: [String] = []
        var failed = false
        for path in paths {
            guard let plan = preparePlan(path, argsOverride: command.isEmpty ? nil : command) else {
                failed = true
                continue
            }
            rendered.append(json ? PlanRenderer.json(plan) : PlanRenderer.text(plan))
        }
        if json && paths.count > 1 {
            Output.write("[\n" + rendered.joined(separator: ",\n") + "]\n")
        } else {
            Output.write(rendered.joined(separator: "\n"))
        }
        return failed ? 1 : 0
    }
}
