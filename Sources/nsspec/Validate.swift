import Diagnostics
import Validation

/// `nsspec validate [--format text|json|github] [--strict] [--args-on-command-line] [FILE…]`.
struct ValidateRequest {
    var files: [String] = []
    var format: DiagnosticFormat = .text
    var strict = false
    var argsOnCommandLine = false

    static let grammar = Arguments.Grammar(
        flags: ["--strict": "strict", "--args-on-command-line": "args-on-command-line"],
        options: ["--format": "format"], subcommand: "validate")

    static func parse(_ args: [String]) throws(UsageError) -> ValidateRequest {
        let parsed = try Arguments.parse(args, grammar)
        if parsed.positionals.filter({ $0 == "-" }).count > 1 {
            throw UsageError("'-' (standard input) can be given only once", "validate")
        }
        let format = try parsed.choice("format", ["text", "json", "github"], default: "text", "validate")
        return ValidateRequest(files: parsed.positionals, format: DiagnosticFormat(rawValue: format) ?? .text,
                               strict: parsed.flags.contains("strict"),
                               argsOnCommandLine: parsed.flags.contains("args-on-command-line"))
    }

    func run() -> Int32 {
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
                let checked = SpecCheck.check(input.bytes, file: input.name, totalSize: input.size, options: options)
                sources[input.name] = checked.source
                diagnostics = checked.diagnostics
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
        return failed > 0 ? 1 : 0
    }
}

func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
