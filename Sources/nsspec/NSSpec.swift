import Diagnostics

/// nsspec's entry point: the subcommand, then its arguments (Arguments.swift). Synchronous,
/// single-threaded: the run path forks, and nothing may have started a thread before.
@main
enum NSSpec {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        system.exit(dispatch(args))
    }

    static func dispatch(_ args: [String]) -> Int32 {
        guard let name = args.first else {
            Output.error(Help.main)
            return 64
        }
        let rest = Array(args.dropFirst())
        // `--help` anywhere before a `--` (after it, it belongs to the sandbox's command).
        let options = rest.prefix { $0 != "--" }
        if options.contains(where: { $0 == "--help" || $0 == "-h" }), let text = Help.commands[name] {
            Output.write(text)
            return 0
        }
        do throws(UsageError) {
            switch name {
            case "run": return try RunRequest.parse(rest).run()
            case "validate": return try ValidateRequest.parse(rest).run()
            case "plan": return try PlanRequest.parse(rest).run()
            case "export": return try ExportRequest.parse(rest).run()
            case "cache": return try CacheRequest.parse(rest).run()
            case "init": return try InitRequest.parse(rest).run()
            case "doctor": return try DoctorRequest.parse(rest).run()
            case "completion": return try CompletionRequest.parse(rest).run()
            case "ps": return try PsRequest.parse(rest).run()
            case "stop": return try StopRequest.parse(rest).run()
            case "exec": return try ExecRequest.parse(rest).run()
            case "help":
                guard let topic = rest.first else { Output.write(Help.main); return 0 }
                guard let text = Help.commands[topic] else { throw UsageError("no command '\(topic)'", nil) }
                Output.write(text)
                return 0
            case "--help", "-h":
                Output.write(Help.main)
                return 0
            case "--version":
                Output.write(Help.version + "\n")
                return 0
            default:
                let suggestion = Suggestion.closest(to: name, in: ["validate", "plan", "run", "export", "cache", "init", "doctor", "completion", "ps", "exec", "stop", "help"])
                throw UsageError("no command '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""), nil)
            }
        } catch {
            return error.report()
        }
    }
}
