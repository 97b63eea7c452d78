/// `nsspec completion bash|zsh|fish`: prints a completion script for that shell.
///
/// The three scripts are generated from one table, `Completion.commands`: each command with its
/// options, the values an option takes and what its operands are. `make install` writes them
/// from the installed binary; no copy of a script is kept in the repository. A CLI test checks
/// that every command, option and option value in `Help.usage` is in the table, so a command
/// added without its completion fails the tests.
struct CompletionRequest {
    enum Shell: String, CaseIterable { case bash, zsh, fish }
    var shell: Shell

    static let grammar = Arguments.Grammar(subcommand: "completion")

    static func parse(_ args: [String]) throws(UsageError) -> CompletionRequest {
        let parsed = try Arguments.parse(args, grammar)
        let shells = Shell.allCases.map(\.rawValue).joined(separator: ", ")
        guard let word = parsed.positionals.first else { throw UsageError("completion needs a shell: \(shells)", "completion") }
        guard parsed.positionals.count == 1 else {
            throw UsageError("completion takes one shell, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "completion")
        }
        guard let shell = Shell(rawValue: word) else {
            throw UsageError("no completion for '\(word)'; the shells are \(shells)", "completion")
        }
        return CompletionRequest(shell: shell)
    }

    func run() -> Int32 {
        switch shell {
        case .bash: Output.write(Completion.bash())
        case .zsh: Output.write(Completion.zsh())
        case .fish: Output.write(Completion.fish())
        }
        return 0
    }
}

/// What each command takes, for the completion scripts.
enum Completion {
    struct Option {
        /// `-v`, `--verbose`: spellings of one option.
        var spellings: [String]
        var help: String
        /// The words the option's value is one of; nil for a flag.
        var values: [String]? = nil
    }

    /// What a command's operands (the words that are not options) are.
    ///
    /// The three generators below switch over this enum exhaustively.
    enum Operand {
        /// The name of a named sandbox (`exec`, `stop`), once: each script asks `nsspec ps`.
        case sandbox
        /// Spec files (`*.yaml`, `*.yml`) and directories, any number.
        case specs
        /// Any file or directory (a file to write), once.
        case file
        /// One of these words (with what each does), once: `cache clear`, `completion zsh`,
        /// `help run`. The first value says what the word is: action, shell, command.
        case words(String, [(String, String)])
    }

    struct Command {
        var name: String
        var help: String
        var options: [Option] = []
        var operand: Operand
        /// Words after `--` are a command (and its arguments) to run in the sandbox.
        var takesCommand = false
    }

    static let helpOption = Option(spellings: ["-h", "--help"], help: "print this command's help")

    /// The commands, in `nsspec --help`'s order. Keep each in step with its `Help.usage` line
    /// (the CLI tests compare them).
    static let commands: [Command] = {
        var list = [
            Command(name: "validate", help: "check specs; report every mistake at its file:line:col",
                    options: [
                        Option(spellings: ["--format"], help: "output format", values: ["auto", "text", "json", "github", "sarif", "junit"]),
                        Option(spellings: ["--strict"], help: "fail on warnings too"),
                        Option(spellings: ["--host"], help: "also check what the spec needs of this host"),
                        Option(spellings: ["--args-on-command-line"], help: "the command is given after -- at run time"),
                    ],
                    operand: .specs),
            Command(name: "plan", help: "print the steps run would take, each with its stage, actor and spec line",
                    options: [Option(spellings: ["--format"], help: "output format", values: ["text", "json"])],
                    operand: .specs, takesCommand: true),
            Command(name: "run", help: "create the sandbox a spec describes and run its process in it",
                    options: [
                        Option(spellings: ["-v", "--verbose"], help: "print each stage with its duration"),
                        Option(spellings: ["--no-cache"], help: "neither use nor fill the cache of compiled plans"),
                        Option(spellings: ["--name"], help: "record the sandbox under this name", values: []),
                        Option(spellings: ["-d", "--detach"], help: "with --name: return once the process has started"),
                    ],
                    operand: .specs, takesCommand: true),
            Command(name: "ps", help: "list the named sandboxes of this user",
                    options: [Option(spellings: ["--format"], help: "output format", values: ["text", "json"])],
                    operand: .words("nothing", [])),
            Command(name: "exec", help: "run a command in a running named sandbox",
                    options: [
                        Option(spellings: ["-t", "--tty"], help: "a terminal of the sandbox's own", values: nil),
                        Option(spellings: ["-T", "--no-tty"], help: "no terminal", values: nil),
                        Option(spellings: ["-e", "--env"], help: "add NAME=VALUE to the environment", values: []),
                        Option(spellings: ["--no-cache"], help: "compile the seccomp filter, not from the cache"),
                    ],
                    operand: .sandbox, takesCommand: true),
            Command(name: "export", help: "write the sandbox as an OCI runtime bundle",
                    options: [
                        Option(spellings: ["--format"], help: "output format", values: ["oci"]),
                        Option(spellings: ["-o", "--output"], help: "the bundle's directory", values: []),
                        Option(spellings: ["--lossy"], help: "export what has an OCI form, warn of the rest", values: nil),
                    ],
                    operand: .specs, takesCommand: true),
            Command(name: "stop", help: "stop a named sandbox and remove its record",
                    options: [
                        Option(spellings: ["-s", "--signal"], help: "the signal", values: ["TERM", "KILL", "INT", "HUP", "QUIT", "USR1", "USR2"]),
                        Option(spellings: ["--timeout"], help: "seconds before SIGKILL", values: []),
                    ],
                    operand: .sandbox),
            Command(name: "cache", help: "clear the cache of compiled plans and filters, or print where it is",
                    operand: .words("action", [("clear", "remove every entry"), ("path", "print the cache directory")])),
            Command(name: "init", help: "write a commented spec from a template",
                    options: [Option(spellings: ["-t", "--template"], help: "the template", values: ["minimal", "ci", "rootfs", "network"])],
                    operand: .file),
            Command(name: "doctor", help: "what this host allows and lacks for sandboxes (and for a spec)",
                    operand: .specs),
            Command(name: "completion", help: "print a completion script for bash, zsh or fish",
                    operand: .words("shell", [("bash", "bash completion"), ("zsh", "zsh completion"), ("fish", "fish completion")])),
        ]
        list.append(Command(name: "help", help: "print the help of nsspec or of a command",
                            operand: .words("command", list.map { ($0.name, $0.help) })))
        return list.map { command in
            var command = command
            command.options.append(helpOption)
            return command
        }
    }()

    /// The options before a command: `nsspec --help`, `nsspec --version`.
    static let globalOptions = [
        Option(spellings: ["-h", "--help"], help: "print the help"),
        Option(spellings: ["--version"], help: "print the version"),
    ]

    static func header(_ shell: String) -> String {
        "Written by `nsspec completion \(shell)` (nsspec \(Help.version)); regenerate it rather than edit it."
    }

    // MARK: bash

    /// A function `_nsspec` for `complete -F`, self-contained (no bash-completion helpers).
    static func bash() -> String {
        var s = """
            # bash completion for nsspec.
            # \(header("bash"))
            # Load it with `source <(nsspec completion bash)`, or install it as
            # share/bash-completion/completions/nsspec (`make install` does).

            # Spec files (*.yaml, *.yml) and directories.
            _nsspec_specs() {
                compopt -o filenames 2>/dev/null
                local IFS=$'\\n'
                COMPREPLY=($(compgen -d -- "$1"; compgen -f -X '!*.yaml' -- "$1"; compgen -f -X '!*.yml' -- "$1"))
            }

            _nsspec_files() {
                compopt -o filenames 2>/dev/null
                local IFS=$'\\n'
                COMPREPLY=($(compgen -f -- "$1"))
            }

            _nsspec() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev=
                (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
                # bash splits --format=json at '=' (COMP_WORDBREAKS): complete the value.
                if [[ $cur == = ]]; then
                    cur=
                elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
                    prev=${COMP_WORDS[COMP_CWORD-2]}
                fi
                COMPREPLY=()
                if (( COMP_CWORD <= 1 )); then
                    COMPREPLY=($(compgen -W '\(bashWords(commands.map(\.name) + globalOptions.flatMap(\.spellings)))' -- "$cur"))
                    return 0
                fi
                local cmd=${COMP_WORDS[1]} options= valued= values= operand= takes_command=0
                case $cmd in

            """
        for command in commands {
            let valued = command.options.filter { $0.values != nil }.flatMap(\.spellings)
            s += "        \(command.name))\n"
            s += "            options='\(bashWords(command.options.flatMap(\.spellings)))'\n"
            if !valued.isEmpty { s += "            valued='\(bashWords(valued))'\n" }
            if command.takesCommand { s += "            takes_command=1\n" }
            for option in command.options {
                guard let values = option.values else { continue }
                let pattern = option.spellings.joined(separator: "|")
                s += "            case $prev in \(pattern)) values='\(bashWords(values))' ;; esac\n"
            }
            switch command.operand {
            case .specs: s += "            operand=specs\n"
            case .file: s += "            operand=file\n"
            case .words(_, let words): s += "            operand='\(bashWords(words.map(\.0)))'\n"
            case .sandbox: s += "            operand=sandbox\n"
            }
            s += "            ;;\n"
        }
        s += """
                    *) return 0 ;;
                esac
                # The words before the cursor: after a '--', the sandbox's command and its arguments;
                # else count the operands (an option's value is none).
                local i word operands=0
                for (( i = 2; i < COMP_CWORD; i++ )); do
                    word=${COMP_WORDS[i]}
                    if [[ $word == -- ]] && (( takes_command )); then
                        if (( i == COMP_CWORD - 1 )); then
                            COMPREPLY=($(compgen -c -- "$cur"))
                        else
                            _nsspec_files "$cur"
                        fi
                        return 0
                    elif [[ " $valued " == *" $word "* ]]; then
                        (( i++ ))
                        [[ ${COMP_WORDS[i]} == = ]] && (( i++ ))
                    elif [[ $word != -* ]]; then
                        (( operands++ ))
                    fi
                done
                if [[ -n $values ]]; then
                    COMPREPLY=($(compgen -W "$values" -- "$cur"))
                    return 0
                fi
                if [[ $cur == -* ]]; then
                    (( takes_command )) && options+=' --'
                    COMPREPLY=($(compgen -W "$options" -- "$cur"))
                    return 0
                fi
                case $operand in
                specs) _nsspec_specs "$cur" ;;
                file) _nsspec_files "$cur" ;;
                sandbox) (( operands == 0 )) && COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" ps 2>/dev/null | while read -r name _; do [[ $name == NAME ]] || echo "$name"; done)" -- "$cur")) ;;
                *) (( operands == 0 )) && COMPREPLY=($(compgen -W "$operand" -- "$cur")) ;;
                esac
                return 0
            }

            complete -F _nsspec nsspec

            """
        return s
    }

    static func bashWords(_ words: [String]) -> String { words.joined(separator: " ") }

    // MARK: zsh

    /// A `#compdef` function over `_arguments`; works from `fpath` (autoloaded) and sourced.
    static func zsh() -> String {
        var s = """
            #compdef nsspec
            # zsh completion for nsspec.
            # \(header("zsh"))
            # Load it with `source <(nsspec completion zsh)` (after compinit), or install it as
            # _nsspec in a directory of $fpath, such as share/zsh/site-functions (`make install` does).

            # The names of this user's named sandboxes (the first column of `nsspec ps`).
            _nsspec_sandboxes() {
                local -a names=(${${(f)"$(${words[1]:-nsspec} ps 2>/dev/null)"}[2,-1]%% *})
                compadd -a names
            }

            _nsspec() {
                local curcontext=$curcontext state line ret=1
                typeset -A opt_args
                _arguments -C \\

            """
        for option in globalOptions {
            s += "        '(- :)\(zshSpellings(option))[\(zshExplanation(option.help))]' \\\n"
        }
        s += """
                    '1: :->command' \\
                    '*:: :->argument' && ret=0
                case $state in
                command)
                    local -a commands=(

            """
        for command in commands {
            s += "            '\(command.name):\(zshQuote(command.help))'\n"
        }
        s += """
                    )
                    _describe -t commands 'nsspec command' commands && ret=0
                    ;;
                argument)
                    curcontext=${curcontext%:*:*}:nsspec-$words[1]:
                    case $words[1] in

            """
        for command in commands {
            s += "            (\(command.name))\n"
            var indent = "                "
            if command.takesCommand {
                // After `--`: the sandbox's command and its arguments, as zsh completes a command line.
                s += """
                                    local i=${words[(i)--]}
                                    if (( i < CURRENT )); then
                                        words=("${(@)words[i+1,-1]}")
                                        (( CURRENT -= i ))
                                        _normal && ret=0
                                    else

                    """
                indent += "    "
            }
            s += indent + "_arguments -s -S \\\n"
            for option in command.options {
                let exclusion = option.spellings.count > 1 ? "(\(option.spellings.joined(separator: " ")))" : ""
                let takes = option.values.map { ":\(option.spellings.last!.dropFirst(2)):(\($0.joined(separator: " ")))" } ?? ""
                let equals = option.values != nil && option.spellings.count == 1 ? "=" : ""
                if option.spellings == helpOption.spellings {
                    s += indent + "    '(- *)\(zshSpellings(option))[\(zshExplanation(option.help))]' \\\n"
                } else {
                    s += indent + "    '\(exclusion)\(zshSpellings(option, equals))[\(zshExplanation(option.help))]\(takes)' \\\n"
                }
            }
            switch command.operand {
            case .specs:
                s += indent + "    '*:spec file or directory:_files -g \"*.(yaml|yml)(-.)\"' && ret=0\n"
            case .file:
                s += indent + "    '1:file:_files' && ret=0\n"
            case .words(let what, let words):
                let items = words.map { "\($0.0)\\:\"\(zshDoubleQuoted($0.1))\"" }.joined(separator: " ")
                s += indent + "    '1:\(what):((\(items)))' && ret=0\n"
            case .sandbox:
                s += indent + "    '1:sandbox:_nsspec_sandboxes' && ret=0\n"
            }
            if command.takesCommand { s += "                fi\n" }
            s += "                ;;\n"
        }
        s += """
                    esac
                    ;;
                esac
                return ret
            }

            if [[ $funcstack[1] == _nsspec ]]; then
                _nsspec "$@"
            else
                compdef _nsspec nsspec
            fi

            """
        return s
    }

    /// `--strict`, or `'{-v,--verbose}'` (outside the quotes: brace expansion makes one spec per
    /// spelling), in an `_arguments` spec the caller quotes.
    static func zshSpellings(_ option: Option, _ suffix: String = "") -> String {
        option.spellings.count == 1 ? "\(option.spellings[0])\(suffix)" : "'{\(option.spellings.joined(separator: ","))}'"
    }

    /// Text inside a single-quoted word: `'` closed, escaped and reopened.
    static func zshQuote(_ text: String) -> String {
        var out = ""
        for c in text { if c == "'" { out += "'\\''" } else { out.append(c) } }
        return out
    }

    /// An `_arguments` explanation, `[…]`: brackets and backslashes escaped too.
    static func zshExplanation(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "[" || c == "]" || c == "\\" { out += "\\" }
            out.append(c)
        }
        return zshQuote(out)
    }

    /// A description in `((word\:"description" …))`: double quotes and backslashes escaped.
    static func zshDoubleQuoted(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "\"" || c == "\\" || c == "$" || c == "`" { out += "\\" }
            out.append(c)
        }
        return zshQuote(out)
    }

    // MARK: fish

    static func fish() -> String {
        var s = """
            # fish completion for nsspec.
            # \(header("fish"))
            # Load it with `nsspec completion fish | source`, or install it as
            # share/fish/vendor_completions.d/nsspec.fish (`make install` does).

            complete -c nsspec -e
            complete -c nsspec -f

            # No command yet: nsspec's own words.
            function __nsspec_no_command
                set -l tokens (commandline -opc)
                not set -q tokens[2]
            end

            # The command is one of $argv, and no '--' came before the cursor.
            function __nsspec_command_is
                set -l tokens (commandline -opc)
                set -q tokens[2]; or return 1
                contains -- $tokens[2] $argv; or return 1
                not contains -- -- $tokens[3..-1]
            end

            # Fewer than $argv[1] operands so far (the words after the command that are no option).
            function __nsspec_operands_below
                set -l tokens (commandline -opc)
                set -l n 0
                for token in $tokens[3..-1]
                    string match -q -- '-*' $token; or set n (math $n + 1)
                end
                test $n -lt $argv[1]
            end

            # After a '--' of run or plan: the sandbox's command and its arguments.
            function __nsspec_after_dashdash
                set -l tokens (commandline -opc)
                set -q tokens[3]; or return 1
                contains -- $tokens[2] \(commands.filter(\.takesCommand).map(\.name).joined(separator: " ")); or return 1
                contains -- -- $tokens[3..-1]
            end

            function __nsspec_command_line
                set -l tokens (commandline -opc)
                set -l i (contains -i -- -- $tokens)
                set -l words
                test $i -lt (count $tokens); and set words $tokens[(math $i + 1)..-1]
                complete -C (string join -- ' ' (string escape -- $words) (commandline -ct))
            end

            # Spec files (*.yaml, *.yml) and directories.
            function __nsspec_specs
                complete -C "__fish_command_without_completions "(commandline -ct) | string match -r -- '^[^\\t]*(/|\\.ya?ml)(\\t.*)?$'
            end


            """
        for option in globalOptions {
            s += "complete -c nsspec -n __nsspec_no_command\(fishSpellings(option)) -d '\(fishQuote(option.help))'\n"
        }
        for command in commands {
            s += "complete -c nsspec -n __nsspec_no_command -a \(command.name) -d '\(fishQuote(command.help))'\n"
        }
        s += "complete -c nsspec -n __nsspec_after_dashdash -x -a '(__nsspec_command_line)'\n"
        for command in commands {
            s += "\n# \(command.name)\n"
            let when = "-n '__nsspec_command_is \(command.name)'"
            for option in command.options {
                let values = option.values.map { " -x -a '\($0.joined(separator: " "))'" } ?? ""
                s += "complete -c nsspec \(when)\(fishSpellings(option))\(values) -d '\(fishQuote(option.help))'\n"
            }
            switch command.operand {
            case .specs:
                s += "complete -c nsspec \(when) -a '(__nsspec_specs)'\n"
            case .file:
                s += "complete -c nsspec \(when) -F\n"
            case .words(_, let words):
                for (word, help) in words {
                    s += "complete -c nsspec -n '__nsspec_command_is \(command.name); and __nsspec_operands_below 1' -a \(word) -d '\(fishQuote(help))'\n"
                }
            case .sandbox:
                s += "complete -c nsspec -n '__nsspec_command_is \(command.name); and __nsspec_operands_below 1' -a '(nsspec ps 2>/dev/null | string match -rv \"^NAME \" | string replace -r \" .*\" \"\")' -d 'sandbox'\n"
            }
        }
        return s
    }

    /// ` -s v -l verbose`
    static func fishSpellings(_ option: Option) -> String {
        option.spellings.map { $0.hasPrefix("--") ? " -l \($0.dropFirst(2))" : " -s \($0.dropFirst())" }.joined()
    }

    static func fishQuote(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "'", "\\": out += "\\\(c)"
            default: out.append(c)
            }
        }
        return out
    }
}
