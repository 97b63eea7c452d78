import ArgumentParser
import Diagnostics
import SpecFormat
import Validation

extension DiagnosticFormat: ExpressibleByArgument {}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check specs and report every mistake, each at its file:line:col.",
        discussion: """
            Exit status: 0 when every spec is valid, 1 when any has an error (or, with --strict, a
            warning), 64 for bad usage.
            """
    )

    @Argument(help: "Spec files to check; '-' reads standard input. Default: ./nsspec.yaml")
    var files: [String] = []

    @Option(help: "How to print diagnostics: text, json (one object per diagnostic) or github (workflow annotations).")
    var format: DiagnosticFormat = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    @Flag(help: "The command is given after '--' at run time, so process.args may be missing.")
    var argsOnCommandLine = false

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("'-' (standard input) can be given only once")
        }
    }

    func run() throws {
        let paths = files.isEmpty ? ["nsspec.yaml"] : files
        let options = ValidationOptions(argsFromCommandLine: argsOnCommandLine)
        var all: [Diagnostic] = []
        var sources: [String: SourceText] = [:]
        var failed = 0
        var text = ""
        for path in paths {
            let diagnostics: [Diagnostic]
            switch SpecInput.read(path) {
            case .failure(let error):
                diagnostics = [error]
            case .success(let input):
                let loaded = SpecLoader.load(input.bytes, file: input.name, totalSize: input.size)
                sources[input.name] = loaded.source
                let rules = loaded.spec.map { Validator.validate($0, options: options) } ?? []
                diagnostics = (loaded.diagnostics + rules).sortedByLocation()
            }
            if diagnostics.contains(where: { $0.severity == .error || strict }) { failed += 1 }
            all += diagnostics
            if format == .text {
                for d in diagnostics { text += DiagnosticRenderer.text(d, source: sources[d.location.file]) }
            }
        }
        switch format {
        case .text:
            let errors = all.filter { $0.severity == .error }.count
            let warnings = all.count - errors
            let specs = paths.count == 1 ? "1 spec" : "\(paths.count) specs"
            text += failed == 0
                ? "\(specs) checked: all valid" + (warnings > 0 ? " (\(plural(warnings, "warning")))" : "") + "\n"
                : "\(specs) checked: \(failed) invalid; \(plural(errors, "error")), \(plural(warnings, "warning"))\n"
            Output.write(text)
        case .json:
            Output.write(DiagnosticRenderer.json(all))
        case .github:
            Output.write(all.map(DiagnosticRenderer.github).joined())
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
