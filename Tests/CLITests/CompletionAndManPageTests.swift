import Foundation
import Testing

@testable import nsspec

/// The commands, options and option values a usage line names: `nsspec validate [--format
/// auto|text] [--strict] [FILE…]` gives `--format` with values auto and text, and `--strict`.
/// `-v|--verbose` gives both spellings.
struct UsageLine {
    var options: [String: [String]] = [:]  // spelling -> values (empty: a flag)
    var words: [String] = []  // `<clear|path>`: the words an operand is one of

    init(_ line: String) {
        for group in line.split(separator: "[").map({ $0.split(separator: "]").first ?? "" }).dropFirst() {
            let parts = group.split(separator: " ").map(String.init)
            guard let first = parts.first, first.hasPrefix("-"), first != "--" else { continue }
            for spelling in first.split(separator: "|") {
                options[String(spelling)] = parts.count > 1 ? parts[1].split(separator: "|").map(String.init) : []
            }
        }
        if let open = line.firstIndex(of: "<"), let close = line.firstIndex(of: ">") {
            words = line[line.index(after: open)..<close].split(separator: "|").map(String.init)
        }
    }
}

/// `nsspec completion`: every command of `Help.usage` is completed, with every option and option
/// value its usage line names, in each shell's script.
@Suite struct CompletionTests {
    static let commands = Help.usage.keys.filter { !$0.isEmpty }.sorted()

    @Test func theTableHasEveryCommandOptionAndValueOfTheUsageLines() {
        #expect(!Self.commands.isEmpty)
        for name in Self.commands {
            guard let entry = Completion.commands.first(where: { $0.name == name }) else {
                Issue.record("'\(name)' is not in Completion.commands")
                continue
            }
            let usage = UsageLine(Help.usage[name]!)
            for (spelling, values) in usage.options {
                let option = entry.options.first { $0.spellings.contains(spelling) }
                #expect(option != nil, "\(name): \(spelling) is not completed")
                for value in values where !(value.first?.isUppercase ?? false) {
                    #expect(option?.values?.contains(value) == true, "\(name) \(spelling): '\(value)' is not completed")
                }
            }
            if !usage.words.isEmpty {
                guard case .words(_, let words) = entry.operand else {
                    Issue.record("\(name): its operand is one of \(usage.words), completed as something else")
                    continue
                }
                #expect(words.map(\.0) == usage.words, "\(name)")
            }
            #expect(entry.takesCommand == Help.usage[name]!.contains("[-- CMD"), "\(name): -- CMD")
        }
        // `help` completes every command.
        guard case .words(_, let topics) = Completion.commands.first(where: { $0.name == "help" })?.operand else {
            Issue.record("help completes no command names")
            return
        }
        #expect(Set(Self.commands).isSubset(of: topics.map(\.0)))
    }

    /// What each command's parser accepts, spelling by spelling (a short form such as `init -t`
    /// is in no usage line). A command added to Help.usage needs its grammar here.
    static let grammars: [String: Arguments.Grammar] = [
        "validate": ValidateRequest.grammar, "plan": PlanRequest.grammar, "run": RunRequest.grammar,
        "cache": CacheRequest.grammar, "init": InitRequest.grammar, "doctor": DoctorRequest.grammar,
        "completion": CompletionRequest.grammar, "ps": PsRequest.grammar, "exec": ExecRequest.grammar, "stop": StopRequest.grammar,
        "export": ExportRequest.grammar,
    ]

    @Test func everySpellingTheParsersAcceptIsCompletedAndInTheManPage() throws {
        let page = try String(contentsOf: ManPageTests.page, encoding: .utf8)
        for name in Self.commands {
            guard let grammar = Self.grammars[name] else {
                Issue.record("'\(name)' is in Help.usage but not in CompletionTests.grammars")
                continue
            }
            let entry = Completion.commands.first { $0.name == name }
            for spelling in Array(grammar.flags.keys) + Array(grammar.options.keys) {
                let option = entry?.options.first { $0.spellings.contains(spelling) }
                #expect(option != nil, "\(name): \(spelling) is not completed")
                #expect((option?.values != nil) == grammar.options.keys.contains(spelling), "\(name) \(spelling): takes a value or not")
                #expect(page.contains(spelling.replacingOccurrences(of: "-", with: "\\-")), "docs/nsspec.1 does not mention \(name) \(spelling)")
            }
            #expect(entry?.takesCommand == grammar.takesCommand, "\(name): -- CMD")
        }
    }

    /// Each shell's script names every command where that shell lists them.
    @Test(arguments: ["bash", "zsh", "fish"])
    func eachShellsScriptCompletesEveryCommand(shell: String) throws {
        let r = try CLI.run(["completion", shell])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(!r.stdout.isEmpty)
        for name in Self.commands {
            let form: String
            switch shell {
            case "bash": form = "\n        \(name))\n"  // its case in _nsspec
            case "zsh": form = "\n            (\(name))\n"  // its case in _nsspec
            default: form = "\ncomplete -c nsspec -n __nsspec_no_command -a \(name) -d "
            }
            #expect(r.stdout.contains(form), "\(shell): no completion for '\(name)'")
            let words = r.stdout.split(separator: "\n").first { $0.contains("compgen -W 'validate") }
            if shell == "bash" { #expect(words?.split(separator: "'")[1].split(separator: " ").contains(Substring(name)) == true, "\(name)") }
        }
    }

    @Test func usage() throws {
        let cases: [([String], String)] = [
            (["completion"], "nsspec: completion needs a shell: bash, zsh, fish\nusage: nsspec completion <bash|zsh|fish>\n"),
            (["completion", "tcsh"], "nsspec: no completion for 'tcsh'; the shells are bash, zsh, fish\n"),
            (["completion", "bash", "zsh"], "nsspec: completion takes one shell, not 2 (bash zsh)\n"),
        ]
        for (args, start) in cases {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix(start), "\(args): \(r.stderr)")
        }
        #expect(try CLI.run(["help", "completion"]).stdout.contains("usage: nsspec completion <bash|zsh|fish>"))
    }
}

/// docs/nsspec.1 documents every command of `Help.usage`, every option and option value, and
/// renders without a warning.
@Suite struct ManPageTests {
    static let page = CLI.packageRoot.appendingPathComponent("docs/nsspec.1")

    @Test func everyCommandOptionAndValueIsInTheManPage() throws {
        let text = try String(contentsOf: Self.page, encoding: .utf8)
        // The words of `.B` and `.BR` lines: `.BR text | json ]` gives text, |, json and ].
        let boldWords = Set(text.split(separator: "\n").filter { $0.hasPrefix(".B ") || $0.hasPrefix(".BR ") }
            .flatMap { $0.split(whereSeparator: { " |,".contains($0) }).map(String.init) })
        for name in CompletionTests.commands {
            #expect(text.contains("\n.SS \(name)\n"), "docs/nsspec.1 has no section '.SS \(name)'")
            let usage = UsageLine(Help.usage[name]!)
            for (spelling, values) in usage.options {
                // roff spells a hyphen \-
                let roff = spelling.replacingOccurrences(of: "-", with: "\\-")
                #expect(text.contains(roff), "docs/nsspec.1 does not mention \(name) \(spelling)")
                for value in values where !(value.first?.isUppercase ?? false) {
                    #expect(boldWords.contains(value), "docs/nsspec.1 does not name \(name) \(spelling) \(value) in bold")
                }
            }
            for word in usage.words {
                #expect(text.contains("\n.B \(word)\n"), "docs/nsspec.1 does not describe \(name) \(word)")
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/man"), "man(1) is not installed"))
    func rendersWithoutWarnings() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/man")
        p.arguments = ["--warnings", "-l", Self.page.path]
        p.environment = ["PATH": "/usr/bin:/bin", "MANWIDTH": "80", "LANG": "C.UTF-8"]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let warnings = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(warnings.isEmpty, "man --warnings: \(warnings)")
    }
}
