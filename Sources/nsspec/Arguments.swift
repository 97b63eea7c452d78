import Diagnostics

/// A command line, parsed by hand. nsspec links no Swift package: swift-argument-parser pulls
/// FoundationEssentials into the static binary (28 MB instead of 15 MB), which cost every launch
/// ~0.27 ms in page faults and runtime start-up, measured side by side (README, Performance).
struct Arguments {
    /// What a command accepts: flags, options that take a value, and whether words after `--`
    /// are a command.
    struct Grammar {
        var flags: [String: String] = [:]  // spelling -> name
        var options: [String: String] = [:]  // spelling -> name; each takes one value
        var takesCommand = false
        var subcommand: String
    }

    var flags: Set<String> = []
    var options: [String: String] = [:]
    var positionals: [String] = []
    /// The words after `--`.
    var command: [String] = []

    /// Parses `args` (after the subcommand's name) or throws a usage error.
    static func parse(_ args: [String], _ grammar: Grammar) throws(UsageError) -> Arguments {
        var out = Arguments()
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            if arg == "--" {
                guard grammar.takesCommand else { throw UsageError("'\(grammar.subcommand)' takes no command after '--'", grammar.subcommand) }
                out.command = Array(args[i...])
                break
            }
            guard arg.hasPrefix("-"), arg != "-" else {
                out.positionals.append(arg)
                continue
            }
            var spelling = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                spelling = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            if let name = grammar.flags[spelling], inline == nil {
                out.flags.insert(name)
            } else if let name = grammar.options[spelling] {
                if let inline {
                    out.options[name] = inline
                } else if i < args.count {
                    out.options[name] = args[i]
                    i += 1
                } else {
                    throw UsageError("\(spelling) needs a value", grammar.subcommand)
                }
            } else {
                let known = Array(grammar.flags.keys) + Array(grammar.options.keys) + ["--help"]
                let suggestion = Suggestion.closest(to: spelling, in: known.filter { $0.hasPrefix("--") })
                throw UsageError("unknown option '\(spelling)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""), grammar.subcommand)
            }
        }
        return out
    }

    /// The value of an option that takes one of `choices`.
    func choice(_ name: String, _ choices: [String], default value: String, _ command: String) throws(UsageError) -> String {
        guard let given = options[name] else { return value }
        guard choices.contains(given) else {
            throw UsageError("--\(name) must be one of \(choices.joined(separator: ", ")), not '\(given)'", command)
        }
        return given
    }
}

/// Bad usage: printed with the command's usage line, exit status 64.
struct UsageError: Error {
    var message: String
    /// The subcommand whose usage to show (nil: nsspec's own).
    var subcommand: String?
    init(_ message: String, _ subcommand: String?) {
        self.message = message
        self.subcommand = subcommand
    }

    func report() -> Int32 {
        let usage = subcommand.flatMap { Help.usage[$0] } ?? Help.usage[""]!
        let more = subcommand.map { "nsspec \($0) --help" } ?? "nsspec --help"
        Output.error("nsspec: \(message)\nusage: \(usage)\nSee '\(more)'.\n")
        return 64
    }
}

/// The help texts.
enum Help {
    static let version = "0.1.0"

    static let usage: [String: String] = [
        "": "nsspec <validate|plan|run|ps|exec|stop|export|cache|init|doctor|completion> [options] [FILE…]",
        "validate": "nsspec validate [--format auto|text|json|github|sarif|junit] [--strict] [--host] [--args-on-command-line] [FILE|DIR…]",
        "plan": "nsspec plan [--format text|json] [FILE…] [-- CMD…]",
        "run": "nsspec run [-v|--verbose] [--no-cache] [--name NAME [-d|--detach]] [FILE] [-- CMD…]",
        "ps": "nsspec ps [--format text|json]",
        "exec": "nsspec exec [-t|-T] [-e NAME=VALUE]… [--no-cache] NAME [-- CMD…]",
        "stop": "nsspec stop [--signal SIG] [--timeout SECONDS] NAME",
        "export": "nsspec export [--format oci] [-o DIR] [--lossy] [FILE] [-- CMD…]",
        "cache": "nsspec cache <clear|path>",
        "init": "nsspec init [--template minimal|ci|rootfs|network] [FILE]",
        "doctor": "nsspec doctor [FILE]",
        "completion": "nsspec completion <bash|zsh|fish>",
    ]

    static let main = """
        nsspec \(version): declarative Linux namespace sandboxes from a YAML spec.

        A spec (nsspec.yaml) lists the namespaces to create, the hostname, uid/gid maps, mounts,
        network and the process. Format reference: docs/spec-v1.md.

        usage: \(usage[""]!)

        commands:
          validate   check specs; report every mistake, each at its file:line:col
          plan       print the steps `run` would take, each with its stage, actor and spec line
          run        create the sandbox a spec describes and run its process in it
          ps         list the named sandboxes (run --name) of this user
          exec       run a command in a running named sandbox, as its process runs
          stop       stop a named sandbox and remove its record
          export     write the sandbox a spec describes as an OCI runtime bundle (runc, crun)
          cache      clear the cache of compiled plans and seccomp filters, or print where it is
          init       write a commented spec to start from (never over an existing file)
          doctor     what this host allows and lacks for sandboxes (and what a spec needs of it)
          completion print a completion script for bash, zsh or fish

        options:
          --version  print the version
          -h, --help print this help; a command's own: `nsspec help COMMAND` or
                     `nsspec COMMAND --help`

        """

    static let commands: [String: String] = [
        "validate": """
            Check specs and report every mistake, each at its file:line:col.

            usage: \(usage["validate"]!)

              FILE                    a spec; '-' reads standard input (once). Default: ./nsspec.yaml
              DIR                     every *.yaml and *.yml file under it (hidden ones skipped)
              --format FORMAT         auto (default: github inside GitHub Actions, where
                                      GITHUB_ACTIONS=true, else text), text, json (one object per
                                      diagnostic), github (workflow annotations), sarif (SARIF
                                      2.1.0, for code scanning) or junit (JUnit XML, one testcase
                                      per spec)
              --strict                fail on warnings too
              --host                  also run the host checks `run` makes first, for this
                                      caller, and report every problem: a missing bind source or
                                      mount target, no newuidmap/newgidmap or subordinate ids for
                                      the map, a veth without CAP_NET_ADMIN, … (rules host-*).
                                      Nothing is run or created
              --args-on-command-line  the command is given after '--' at run time, so
                                      process.args may be missing

            Exit status: 0 when every spec is valid, 1 when any has an error (or, with --strict,
            a warning), 64 for bad usage.

            """,
        "plan": """
            Print the steps `run` would take, in order, each with its stage, actor and spec line.

            usage: \(usage["plan"]!)

              FILE           a spec. Default: ./nsspec.yaml
              --format FMT   text (default), or json (one object with a `steps` array; an array
                             of them for several specs)
              -- CMD…        a command that replaces process.args, as for `run`

            Exit status: 0, or 1 when a spec has errors (printed as `validate` prints them),
            64 for bad usage.

            """,
        "run": """
            Create the sandbox a spec describes and run its process in it.

            usage: \(usage["run"]!)

              FILE           the spec. Default: ./nsspec.yaml
              -v, --verbose  print each stage as it runs, with its duration, and whether the
                             plan came from the cache
              --no-cache     neither use nor fill the cache of compiled plans and seccomp
                             filters (see `nsspec cache --help`)
              --name NAME    record the sandbox under NAME in this user's state directory
                             (/run/nsspec as root, else $XDG_RUNTIME_DIR/nsspec, else
                             /tmp/nsspec-UID), for `ps`, `exec` and `stop`. A name is a letter or
                             digit, then up to 63 letters, digits, '_', '.' or '-'
              -d, --detach   with --name: return once the process has started, printing the
                             name; nsspec's supervisor stays behind (its own session, standard
                             streams on /dev/null, the sandbox's too), waits for the sandbox
                             and records its status
              -- CMD…        a command that replaces process.args

            Exit status: the process's own status (with --detach: 0 once it has started); 128+N if it died by signal N; 125 if nsspec
            failed before the process started (the error names the stage and the spec line);
            126 if the command is not executable; 127 if it is not found; 64 for bad usage.

            """,
        "ps": """
            List this user's named sandboxes (`run --name`): name, status (starting while its run
            sets it up, running, exited N, or gone when its process ended without a status
            recorded), pid (PID 1's, or the process's without a pid namespace), age and spec. As
            root, every rootless user's too (/run/user/UID/nsspec, /tmp/nsspec-UID), with a USER
            column; root's stop and exec of another user's sandbox say how to run them as that user.

            usage: \(usage["ps"]!)

              --format FMT   text (default), or json (an array; each with the user's uid, the
                             supervisor's pid and the namespace ids, /proc/PID/ns/* inode numbers)

            Exit status: 0, 125 when the state directory is not private, 64 for bad usage.

            """,
        "exec": """
            Run a command in a running named sandbox: in all its namespaces (joined through a
            pidfd), its root, with exactly the identity the spec gives its process (uid, gid,
            groups, capabilities, no_new_privs, seccomp, rlimits, cwd, environment), a session and
            keyring of its own, and nothing open but standard input, output and error.

            usage: \(usage["exec"]!)

              NAME              the sandbox (see `nsspec ps`)
              -t, --tty         a terminal of the sandbox's own (a pty of its devpts, relayed as
                                `run` does); standard input must be a terminal
              -T, --no-tty      no terminal, whatever the spec's process.terminal says
                                Default: as the spec's process.terminal (auto: when standard
                                input is a terminal)
              -e NAME=VALUE     add to (or replace in) the spec's environment; repeatable
              --no-cache        compile the seccomp filter rather than take it from the cache
                                that `run` fills (see `nsspec cache --help`)
              -- CMD…           the command. Default: the spec's process.args

            Exit status: the command's own status; 128+N if it died by signal N; 125 if the
            sandbox could not be entered (unknown name, exited, another user's, a record whose pid
            is another process now); 127 if the command is not found; 64 for bad usage.

            """,
        "export": """
            Write the sandbox a spec describes as an OCI runtime bundle: DIR/config.json
            (runtime-spec 1.1.0) and, for a tmpfs root, DIR/rootfs with the spec's dirs, files and
            symlinks. Made from the plan `run` follows: the same namespaces, id maps (resolved for
            this host's ids), mounts, masked paths, identity, capabilities, rlimits and seccomp.
            What has no OCI form (veth, userMode, nsspec's init, dieWithParent, nsspec's second
            seccomp filter) is an error at its spec line, unless --lossy.

            usage: \(usage["export"]!)

              --format oci      the only format (the default)
              -o, --output DIR  where to write (must not exist, or be empty). Default: NAME.oci
              --lossy           export what has an OCI form; warn of the rest, each at its line
              -- CMD…           the process's command instead of process.args (as for run)

            Exit status: 0 when written; 1 when the spec has errors or something has no OCI form
            (nothing written); 64 for bad usage.

            """,
        "stop": """
            Stop a named sandbox: the signal to its process (PID 1), SIGKILL after the timeout,
            then wait for its status and remove its record. A sandbox that has exited already:
            its record is removed and its status printed.

            usage: \(usage["stop"]!)

              NAME                 the sandbox (see `nsspec ps`)
              -s, --signal SIG     TERM (default), KILL, INT, HUP, QUIT, USR1, USR2 or a number
              --timeout SECONDS    how long to wait before SIGKILL. Default: 10

            Prints `NAME: exited N`. Exit status: 0; 125 when there is no such sandbox; 64 for
            bad usage.

            """,
        "cache": """
            The cache of compiled plans and seccomp filters that `run` keeps, so that running a spec
            again reads, validates and plans nothing, and compiles no filter.

            usage: \(usage["cache"]!)

              clear          remove every entry (nothing else in the directory)
              path           print the directory: $XDG_CACHE_HOME/nsspec, else $HOME/.cache/nsspec

            An entry answers one spec's exact bytes, its path, the caller (uid, gid, working
            directory), the command after '--' and this nsspec build; anything else is a miss.
            Entries are authenticated with a secret in the caller's user keyring (the key
            nsspec:cache-secret), out of a sandbox's reach: an entry that is damaged, or that
            nsspec did not write, is ignored and replaced. Without a keyring (keyctl refused),
            nothing is cached. Host facts (bind sources, subordinate ids, helpers) are checked
            on every run, cached plan or not.

            Exit status: 0, or 1 when the cache cannot be cleared, 64 for bad usage.

            """,
        "init": """
            Write a commented spec to start from: valid as written, with what each key does.

            usage: \(usage["init"]!)

              FILE                 where to write it. Default: ./nsspec.yaml; '-' writes to
                                   standard output. Never overwritten: if anything is there
                                   (a file, a directory, a symlink, even a dangling one),
                                   init fails and leaves it as it is
              -t, --template NAME  minimal (default): user, mount, uts, ipc and pid namespaces,
                                     an empty root with the host's /usr read-only
                                   ci: a build sandbox, the spec's directory at /work, the
                                     rest read-only, loopback only
                                   rootfs: a directory rootfs/ next to the spec as / (the
                                     spec's comments say how to make one)
                                   network: a network namespace with loopback, a veth pair to
                                     the host as a commented example (it needs root)

            Each runs rootless and as root. Then: nsspec validate FILE; nsspec run FILE.

            Exit status: 0, or 1 when FILE exists or cannot be created, 64 for bad usage.

            """,
        "doctor": """
            What this host allows and lacks for nsspec sandboxes, one fact a line, each lacking one
            with how to fix it: the kernel and the system calls and namespaces nsspec uses,
            whether this user can make a user namespace now (tried in a child process), the
            sysctls that restrict it, subordinate ids and newuidmap/newgidmap, veth privilege,
            /dev/net/tun and pasta, cgroups, seccomp.

            usage: \(usage["doctor"]!)

              FILE           a spec: validated and planned for this user as `run` would, then
                             what it needs of this host (its namespaces, the system calls of its
                             mount table, its id maps' helpers, seccomp) and the host checks of
                             run's preflight (as `validate --host`), each at its spec line.
                             process.args may be missing (given after '--' at run time)

            Lines start with `ok` (present or allowed), `no` (lacking; `fix:` below says how to
            fix it) or `info`. Nothing is changed on the host.

            Exit status: 0 when the spec can run here (without FILE: when this user can make a
            user namespace, or is root), 1 otherwise, 64 for bad usage.

            """,
        "completion": """
            Print a script that completes nsspec's commands, options, option values and spec
            files in that shell.

            usage: \(usage["completion"]!)

              bash           source <(nsspec completion bash), e.g. from ~/.bashrc
              zsh            source <(nsspec completion zsh) after compinit, or save it as _nsspec
                             in a directory of $fpath
              fish           nsspec completion fish | source, or save it as
                             ~/.config/fish/completions/nsspec.fish

            `make install` installs all three. Exit status: 0, 64 for bad usage.

            """,
    ]
}
