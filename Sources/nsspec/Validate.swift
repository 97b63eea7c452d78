import Diagnostics
import Validation

/// `nsspec validate [--format auto|text|json|github|sarif|junit] [--strict] [--host] [--args-on-command-line] [FILE|DIR…]`.
struct ValidateRequest {
    var files: [String] = []
    var format: DiagnosticFormat = .text
    var strict = false
    var argsOnCommandLine = false
    /// Also the host checks of `run`'s preflight, for this caller (HostCheck.swift).
    var host = false

    static let grammar = Arguments.Grammar(
        flags: ["--strict": "strict", "--args-on-command-line": "args-on-command-line", "--host": "host"],
        options: ["--format": "format"], subcommand: "validate")

    static func parse(_ args: [String]) throws(UsageError) -> ValidateRequest {
        let parsed = try Arguments.parse(args, grammar)
        if parsed.positionals.filter({ $0 == "-" }).count > 1 {
            throw UsageError("'-' (standard input) can be given only once", "validate")
        }
        var format = try parsed.choice("format", ["auto", "text", "json", "github", "sarif", "junit"], default: "auto", "validate")
        // Inside GitHub Actions, annotations on the changed lines; elsewhere, text.
        if format == "auto" { format = system.environmentValue("GITHUB_ACTIONS") == "true" ? "github" : "text" }
        return ValidateRequest(files: parsed.positionals, format: DiagnosticFormat(rawValue: format) ?? .text,
                               strict: parsed.flags.contains("strict"),
                               argsOnCommandLine: parsed.flags.contains("args-on-command-line"), host: parsed.flags.contains("host"))
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
        // With --host, the spec is checked as `run` would check it for this caller.
        let options = ValidationOptions(argsFromCommandLine: argsOnCommandLine, runAsRoot: host && currentCaller().privileged)
        var reports: [SpecReport] = []
        var text = ""
        for path in paths {
            var report: SpecReport
            switch unreadable[path].map({ Result<SpecInput, Diagnostic>.failure($0) }) ?? SpecInput.read(path) {
            case .failure(let error):
                report = SpecReport(file: error.location.file, diagnostics: [error])
            case .success(let input):
                let checked = SpecCheck.check(input.bytes, file: input.name, totalSize: input.size, options: options)
                var diagnostics = checked.diagnostics
                if host, let spec = checked.spec { diagnostics = (diagnostics + hostDiagnostics(spec)).sortedByLocation() }
                report = SpecReport(file: input.name, diagnostics: diagnostics, source: checked.source)
            }
            if format == .text {
                for d in report.diagnostics { text += DiagnosticRenderer.text(d, source: report.source) }
            }
            reports.append(report)
        }
        let failed = reports.filter { $0.failed(strict: strict) }.count
        let all = reports.flatMap(\.diagnostics)
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
        case .sarif:
            Output.write(SARIF.render(reports))
        case .junit:
            Output.write(JUnit.render(reports, strict: strict))
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
