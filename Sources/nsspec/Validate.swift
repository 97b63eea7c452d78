import Diagnostics
import Validation

/// `nsspec validate [--format auto|text|json|github] [--strict] [--args-on-command-line] [FILE|DIR…]`.
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
        var format = try parsed.choice("format", ["auto", "text", "json", "github"], default: "auto", "validate")
        // Inside GitHub Actions, annotations on the changed lines; elsewhere, text.
        if format == "auto" { format = system.environmentValue("GITHUB_ACTIONS") == "true" ? "github" : "text" }
        return ValidateRequest(files: parsed.positionals, format: DiagnosticFormat(rawValue: format) ?? .text,
                               strict: parsed.flags.contains("strict"),
                               argsOnCommandLine: parsed.flags.contains("args-on-command-line"))
    }

    func run() -> Int32 {
        var paths: [String] = []
        var unreadable: [String: Diagnostic] = [:]
        for path in files.isEmpty ? ["nsspec.yaml"] : files {
            guard path != "-", (try? system.fileKind(path)) == .directory else {
                paths.append(path)
                continue
            }
            let found = Self.specs(under: path)
            if found.isEmpty {
                unreadable[path] = .error("file-unreadable", "no spec under this directory (no *.yaml or *.yml file)",
                                          at: SourceLocation(file: path, line: 0, column: 0),
                                          hint: "give the spec files, or a directory that holds some")
            }
            paths += found.isEmpty ? [path] : found
        }
        let options = ValidationOptions(argsFromCommandLine: argsOnCommandLine)
        var all: [Diagnostic] = []
        var sources: [String: SourceText] = [:]
        var failed = 0
        var text = ""
        for path in paths {
            let diagnostics: [Diagnostic]
            switch unreadable[path].map({ Result<SpecInput, Diagnostic>.failure($0) }) ?? SpecInput.read(path) {
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

extension ValidateRequest {
    /// Every `*.yaml` and `*.yml` file under `directory`, sorted, in its subdirectories too
    /// (16 levels at most); hidden entries (`.git`, `.cache`, …) are skipped.
    static func specs(under directory: String, depth: Int = 0) -> [String] {
        guard depth < 16, let names = try? system.directoryEntries(directory) else { return [] }
        var out: [String] = []
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = "\(base)/\(name)"
            switch try? system.fileKind(path) {
            case .directory?: out += specs(under: path, depth: depth + 1)
            case .regular? where name.hasSuffix(".yaml") || name.hasSuffix(".yml"): out.append(path)
            default: break
            }
        }
        return out
    }
}

func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
