import ArgumentParser

@main
struct NSSpec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nsspec",
        abstract: "Declarative Linux namespace sandboxes from a YAML spec.",
        discussion: """
            A spec (nsspec.yaml) lists the namespaces to create, hostname, uid/gid maps, mounts,
            network and the process. `validate` checks specs and reports every mistake at its
            file:line:col. Format reference: docs/spec-v1.md.
            """,
        version: "0.1.0",
        subcommands: [Validate.self, PlanCommand.self, RunCommand.self]
    )

    /// `nsspec run` in its plain form skips the argument parser (see `RunRequest`).
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "run", let request = RunRequest.parse(Array(args.dropFirst())) {
            system.exit(request.run())
        }
        main(nil)
    }
}
