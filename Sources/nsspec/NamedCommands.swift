import Diagnostics
import Executor
import Planning
import System

/// `run --name NAME [--detach]`: the run recorded in the caller's state directory
/// (docs/named-sandboxes.md). A plain `run` never comes here.
struct NamedRun {
    var name: String
    var detach: Bool
    var file: String
    var plan: Plan
    var executor: Executor

    /// A failure of a named command: printed as `nsspec: MESSAGE`, exit status 125.
    static func fail(_ message: String) -> Int32 {
        Output.error("nsspec: \(message)\n")
        return 125
    }

    func run() -> Int32 {
        // The sealed copy first (the plan's first step re-execs nsspec with the same arguments):
        // a detached supervisor must be forked by the copy, not by the process it replaces.
        if plan.steps.contains(where: { if case .runFromSealedCopy = $0.action { true } else { false } }) && !system.runsFromSealedCopy() {
            do {
                try system.reexecFromSealedCopy()
            } catch {
                return Self.fail("cannot run from a sealed copy of nsspec: \(error)")
            }
        }
        let state: StateDirectory
        switch StateDirectory.open(system) {
        case .success(let dir): state = dir
        case .failure(let off): return Self.fail(off.message)
        }
        let specPath = (try? system.canonicalPath(file)) ?? file
        let digest = (try? system.readFile(.path(file), limit: 1 << 21)).map { NamedSandbox.digest($0.bytes) } ?? 0
        // The name first, before anything is set up: claimed by link(2) of a whole `starting`
        // record, so that of two runs of the same name exactly one goes on.
        let me = system.getpid()
        let myStart = NamedSandbox.startTime(of: me, system) ?? 0
        let claim = SandboxRecord(name: name, state: .starting, pid: me, pidStart: myStart, supervisor: me, supervisorStart: myStart,
                                  namespaces: [], spec: specPath, specDigest: digest, detached: detach)
        if let refused = take(claim, in: state) { return refused }
        do {
            try state.writePlan(name, plan.encoded())
        } catch {
            state.removeClaim(name, pid: me, start: myStart)
            return Self.fail("cannot write \(state.planPath(name)): \(error)")
        }
        let name = self.name, detach = self.detach
        let record = Recorded()
        executor.started = { [unowned executor] pid in
            let supervisor = system.getpid()
            // Read from outside when the kernel lets this process (PID 1 execs nothing: not
            // dumpable, its ns links are out of reach in a user namespace); else as PID 1 said.
            var namespaces = NamedSandbox.namespaces(of: pid, system)
            if namespaces.count < executor.startedNamespaces.count { namespaces = executor.startedNamespaces }
            var made = SandboxRecord(name: name, pid: pid, pidStart: NamedSandbox.startTime(of: pid, system) ?? 0,
                                     supervisor: supervisor, supervisorStart: NamedSandbox.startTime(of: supervisor, system) ?? 0,
                                     namespaces: namespaces, spec: specPath, specDigest: digest,
                                     detached: detach)
            made.state = .running
            try? state.write(made)
            record.value = made
        }
        executor.ended = { code in
            guard var done = record.value else { return }
            done.state = .exited(code)
            try? state.write(done)
        }
        guard detach else {
            let code = executor.run()
            // A run that failed before its process started leaves no claim.
            if record.value == nil { state.removeClaim(name, pid: me, start: myStart) }
            return code
        }
        return detached(state: state, claim: claim, record: record)
    }

    /// What `started` recorded, for the code after the run (nil: the process never started).
    final class Recorded {
        var value: SandboxRecord?
    }

    /// Claims the name (`claim`, a `starting` record): nil once it is this run's, else the
    /// status to return (the failure printed). A record that is there already is the name in
    /// use when its process (or claimer) is alive; else it is stale, and removed — only if it
    /// is still the one judged, under the state directory's lock — and the claim made again.
    func take(_ claim: SandboxRecord, in state: StateDirectory) -> Int32? {
        for _ in 0..<100 {
            do {
                try state.claim(claim)
                return nil
            } catch let error as SystemError where error.errno == .EEXIST {
                // Taken: see by what.
            } catch {
                return Self.fail("cannot claim the name '\(name)' in \(state.path): \(error)")
            }
            let (found, bytes) = state.readWithBytes(name)
            switch found {
            case .missing:
                continue  // removed since: claim again
            case .damaged:
                if state.remove(name, ifStill: bytes) {
                    Output.error("nsspec: removed the damaged record of '\(name)' (\(state.recordPath(name)))\n")
                }
            case .found(let old):
                switch old.state {
                case .running where NamedSandbox.isLive(old, system):
                    return Self.fail("the name '\(name)' is in use by a running sandbox (pid \(old.pid), spec \(old.spec)); "
                                     + "stop it first: nsspec stop \(name)")
                case .starting where NamedSandbox.isLive(old, system):
                    return Self.fail("the name '\(name)' is in use by a sandbox that is starting (nsspec pid \(old.pid), "
                                     + "spec \(old.spec)); once it runs: nsspec stop \(name)")
                case .starting, .running:
                    if state.remove(name, ifStill: bytes) {
                        Output.error("nsspec: removed the stale record of '\(name)' (pid \(old.pid) is gone)\n")
                    }
                case .exited(let code):
                    if state.remove(name, ifStill: bytes) {
                        Output.error("nsspec: replaced the record of '\(name)' (exited \(code))\n")
                    }
                }
            }
        }
        return Self.fail("cannot claim the name '\(name)' in \(state.path): its record keeps changing")
    }

    /// `--detach`: a supervisor of its own session runs the plan (and waits for the sandbox,
    /// forwards signals to it, writes its status into the record); this process returns once
    /// the sandbox's process has started, printing the name — or the failure, with its status.
    func detached(state: StateDirectory, claim: SandboxRecord, record: Recorded) -> Int32 {
        let ready: (Int32, Int32)
        do {
            ready = try system.socketPair()
        } catch {
            state.removeClaim(name, pid: claim.pid, start: claim.pidStart)
            return Self.fail("cannot detach: \(error)")
        }
        let executor = self.executor, name = self.name
        let pid: Int32
        do {
            pid = try system.clone([], name: "supervisor") {
                system.close(ready.0)
                // The claim names this supervisor too: it stays live if the caller's nsspec ends.
                var mine = claim
                mine.supervisor = system.getpid()
                mine.supervisorStart = NamedSandbox.startTime(of: mine.supervisor, system) ?? 0
                guard state.replaceClaim(mine, ifStill: Array(claim.encoded().utf8)) else {
                    Output.error("nsspec: the claim of '\(name)' was taken over (\(state.recordPath(name))); nothing was started\n")
                    return 125
                }
                // The caller's standard error stays at fd 9 for a failure during set-up; the
                // sandbox's streams (and the supervisor's) are /dev/null: the sandbox never holds
                // the caller's terminal or pipes.
                guard (try? system.setsid()) != nil, (try? system.duplicate(2, onto: 9)) != nil,
                      let null = try? system.open("/dev/null", .readWrite) else {
                    state.removeClaim(name, pid: claim.pid, start: claim.pidStart)
                    return 125
                }
                for fd: Int32 in [0, 1, 2] { try? system.duplicate(null, onto: fd) }
                system.close(null)
                executor.diagnostics = 9
                let recordStarted = executor.started
                executor.started = { pid in
                    recordStarted?(pid)
                    try? system.send(.handoff("started"), passing: nil, on: ready.1)
                    system.close(ready.1)
                    if let null = try? system.open("/dev/null", .readWrite) {
                        try? system.duplicate(null, onto: 9)
                        system.close(null)
                    }
                    executor.diagnostics = 2
                }
                let code = executor.run()
                if record.value == nil { state.removeClaim(name, pid: claim.pid, start: claim.pidStart) }
                return code
            }
        } catch {
            state.removeClaim(name, pid: claim.pid, start: claim.pidStart)
            return Self.fail("cannot start the supervisor: \(error)")
        }
        system.close(ready.1)
        let answer = try? system.receive(on: ready.0)
        system.close(ready.0)
        if case .handoff("started")? = answer?.message {
            Output.write(name + "\n")
            return 0
        }
        // The supervisor failed before the process started; it has said why.
        let code = (try? system.waitpid(pid).code) ?? 125
        state.removeClaim(name, pid: claim.pid, start: claim.pidStart)
        return code == 0 ? 125 : code
    }
}

/// The state directory, or the reason there is none (printed, status 125).
func openState() -> StateDirectory? {
    switch StateDirectory.open(system) {
    case .success(let dir): return dir
    case .failure(let off):
        _ = NamedRun.fail(off.message)
        return nil
    }
}

/// A record by name, or the failure (unknown name with a did-you-mean, invalid name, damaged
/// or forged record) printed.
func lookUp(_ name: String, in state: StateDirectory, for command: String) -> SandboxRecord? {
    guard NamedSandbox.isValidName(name) else {
        _ = NamedRun.fail("'\(name)' is not a sandbox name (\(NamedSandbox.nameRule))")
        return nil
    }
    switch state.read(name) {
    case .found(let record): return record
    case .damaged:
        _ = NamedRun.fail("the record of '\(name)' (\(state.recordPath(name))) is damaged; `nsspec stop \(name)` removes it")
        return nil
    case .missing:
        if system.identity().root, let other = otherUsersSandbox(name, for: command) {
            _ = NamedRun.fail(other)
            return nil
        }
        let suggestion = Suggestion.closest(to: name, in: state.names())
        _ = NamedRun.fail("no sandbox named '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                          + " (see `nsspec ps`)")
        return nil
    }
}

/// Root's `stop`/`exec` of a name that is not root's but a rootless user's (`ps` lists it):
/// refused, with the command that does it as that user. Root does not act in another user's
/// state directory: its records are that user's to write, and a directory its owner can swap
/// for a symlink is no place for root to remove files by name; the user's own nsspec does it
/// with the user's rights. Nil when no user has a sandbox of that name.
func otherUsersSandbox(_ name: String, for command: String) -> String? {
    let owners = StateDirectory.others(system).filter { if case .found = $0.directory.read(name) { true } else { false } }
    guard let (uid, directory) = owners.first else { return nil }
    let users = NamedSandbox.userNames(system)
    let user = users[uid].map { "\($0) (uid \(uid))" } ?? "uid \(uid)"
    let environment = directory.path.hasPrefix("/run/user/") ? "env XDG_RUNTIME_DIR=/run/user/\(uid)" : "env -u XDG_RUNTIME_DIR"
    let become = users[uid].map { "runuser -u \($0) --" } ?? "setpriv --reuid=\(uid) --regid=\(uid) --clear-groups --"
    let more = owners.count > 1 ? " (and \(owners.count - 1) more users' sandboxes of that name: see `nsspec ps`)" : ""
    return "'\(name)' is not root's sandbox but \(user)'s (\(directory.recordPath(name)))\(more); root does not \(command) "
        + "another user's sandbox. As that user: \(become) \(environment) nsspec \(command) \(name)\(command == "exec" ? " [-- CMD…]" : "")"
}

/// What `ps` shows as a record's status: starting, running, exited N, or gone (a record whose
/// process is not the one recorded and whose supervisor did not write a status).
func status(of record: SandboxRecord) -> String {
    switch record.state {
    case .exited(let code): return "exited \(code)"
    case .running: return NamedSandbox.isLive(record, system) ? "running" : "gone"
    case .starting: return NamedSandbox.isLive(record, system) ? "starting" : "gone"
    }
}

/// `nsspec ps [--format text|json]`.
struct PsRequest {
    var json = false

    static let grammar = Arguments.Grammar(options: ["--format": "format"], subcommand: "ps")

    static func parse(_ args: [String]) throws(UsageError) -> PsRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.isEmpty else { throw UsageError("ps takes no operand (\(parsed.positionals.joined(separator: " ")))", "ps") }
        return PsRequest(json: try parsed.choice("format", ["text", "json"], default: "text", "ps") == "json")
    }

    func run() -> Int32 {
        guard let state = openState() else { return 125 }
        // The caller's own; as root, every rootless user's too (their state directories that
        // pass the checks of StateDirectory.others), by uid.
        let me = system.identity()
        var directories = [(uid: me.uid, directory: state)]
        if me.root { directories += StateDirectory.others(system) }
        let records = directories.flatMap { uid, directory in
            directory.names().compactMap { name -> (uid: UInt32, record: SandboxRecord)? in
                if case .found(let record) = directory.read(name) { return (uid, record) }
                return nil
            }
        }
        let uptime = NamedSandbox.uptime(system)
        func age(_ record: SandboxRecord) -> UInt64? {
            guard let uptime, case .running = record.state, NamedSandbox.isLive(record, system) else { return nil }
            let started = record.pidStart / 100  // USER_HZ is 100 on Linux, whatever the kernel's HZ
            return uptime >= started ? uptime - started : 0
        }
        if json {
            var out = "["
            for (i, (uid, record)) in records.enumerated() {
                let ns = record.namespaces.map { "\"\($0.kind)\":\($0.inode)" }.joined(separator: ",")
                let exit: String = if case .exited(let code) = record.state { "\(code)" } else { "null" }
                out += (i == 0 ? "" : ",") + "\n  {\"name\":\(jsonString(record.name)),\"uid\":\(uid),\"status\":\(jsonString(status(of: record))),"
                    + "\"exitCode\":\(exit),\"pid\":\(record.pid),\"age\":\(age(record).map(String.init) ?? "null"),"
                    + "\"spec\":\(jsonString(record.spec)),\"supervisor\":\(record.supervisor),\"namespaces\":{\(ns)}}"
            }
            Output.write(out + (records.isEmpty ? "]\n" : "\n]\n"))
            return 0
        }
        // Root sees whose each is: USER, before SPEC (the columns of before keep their places).
        let users = me.root ? NamedSandbox.userNames(system) : [:]
        var rows = [["NAME", "STATUS", "PID", "AGE"] + (me.root ? ["USER"] : []) + ["SPEC"]]
        for (uid, record) in records {
            rows.append([record.name, status(of: record), String(record.pid), age(record).map(duration) ?? "-"]
                        + (me.root ? [users[uid] ?? String(uid)] : []) + [record.spec])
        }
        let last = rows[0].count - 1
        let widths = (0..<last).map { column in rows.map { printable($0[column]).count }.max() ?? 0 }
        for row in rows {
            var line = ""
            for column in 0..<last {
                let cell = printable(row[column])
                line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }
            Output.write(line + printable(row[last]) + "\n")
        }
        return 0
    }

    /// A record's text with its control characters as '?': the spec's path in another user's
    /// record is that user's to write, and reaches root's terminal.
    func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) ? "?" : $0 }))
    }

    func duration(_ seconds: UInt64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        if seconds < 86400 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
        return "\(seconds / 86400)d\(seconds % 86400 / 3600)h"
    }

    func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// `nsspec stop NAME [--signal SIG] [--timeout SECONDS]`.
struct StopRequest {
    var name: String
    var signal: Signal = .SIGTERM
    var timeout = 10

    static let grammar = Arguments.Grammar(options: ["--signal": "signal", "-s": "signal", "--timeout": "timeout"], subcommand: "stop")

    static let signals: [String: Signal] = [
        "TERM": .SIGTERM, "KILL": .SIGKILL, "INT": .SIGINT, "HUP": .SIGHUP, "QUIT": .SIGQUIT, "USR1": .SIGUSR1, "USR2": .SIGUSR2,
    ]

    static func parse(_ args: [String]) throws(UsageError) -> StopRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.count == 1 else {
            throw UsageError(parsed.positionals.isEmpty ? "stop needs a sandbox name" : "stop takes one name, not \(parsed.positionals.count)", "stop")
        }
        var request = StopRequest(name: parsed.positionals[0])
        if let given = parsed.options["signal"] {
            let key = given.hasPrefix("SIG") ? String(given.dropFirst(3)) : given
            if let number = Int32(key), number > 0, number < 65 {
                request.signal = Signal(number)
            } else if let named = signals[key.uppercased()] {
                request.signal = named
            } else {
                throw UsageError("--signal must be a signal name (TERM, KILL, INT, HUP, QUIT, USR1, USR2) or number, not '\(given)'", "stop")
            }
        }
        if let given = parsed.options["timeout"] {
            guard let seconds = Int(given), seconds >= 0 else { throw UsageError("--timeout must be a number of seconds, not '\(given)'", "stop") }
            request.timeout = seconds
        }
        return request
    }

    func run() -> Int32 {
        guard let state = openState() else { return 125 }
        // Records are removed only while they are the one judged (a `run` may claim the name
        // the moment it is free).
        if NamedSandbox.isValidName(name), case (.damaged, let bytes) = state.readWithBytes(name) {
            state.remove(name, ifStill: bytes)
            Output.error("nsspec: removed the damaged record of '\(name)'\n")
            return 0
        }
        guard let record = lookUp(name, in: state, for: "stop") else { return 125 }
        let same: (StateDirectory.Lookup, [UInt8]) -> Bool = { lookup, _ in
            if case .found(let now) = lookup { return now.pid == record.pid && now.pidStart == record.pidStart }
            return false
        }
        if case .exited(let code) = record.state {
            state.remove(name, if: same)
            Output.write("\(name): exited \(code)\n")
            return 0
        }
        if case .starting = record.state, NamedSandbox.isLive(record, system) {
            return NamedRun.fail("'\(name)' is starting (nsspec pid \(record.pid)): nothing runs yet to stop; try again once "
                                 + "`nsspec ps` shows it running")
        }
        guard NamedSandbox.isLive(record, system) else {
            // The recorded pid is gone, or is another process now: never signalled.
            state.remove(name, if: same)
            Output.error("nsspec: '\(name)' was not running (pid \(record.pid) is gone, or is another process now); removed its record\n")
            return 0
        }
        system.kill(record.pid, signal)
        // The supervisor writes the status when the sandbox ends; without a live supervisor (it
        // was killed), the pid's start time says when it is gone.
        var waited = 0
        var killed = false
        while true {
            if case .found(let now) = state.read(name), case .exited(let code) = now.state {
                state.remove(name, if: same)
                Output.write("\(name): exited \(code)\n")
                return 0
            }
            if !NamedSandbox.isLive(record, system) && !NamedSandbox.supervisorIsLive(record, system) {
                state.remove(name, if: same)
                Output.write("\(name): stopped\n")
                return 0
            }
            if !killed && waited >= timeout * 1000 {
                system.kill(record.pid, .SIGKILL)
                killed = true
            }
            system.sleep(milliseconds: 10)
            waited += 10
            if killed && waited >= timeout * 1000 + 10_000 {
                return NamedRun.fail("'\(name)' (pid \(record.pid)) did not end after SIGKILL")
            }
        }
    }
}

/// `nsspec exec [-t|-T] [-e NAME=VALUE]… [--no-cache] NAME [-- CMD…]`.
struct ExecRequest {
    var name: String
    var command: [String] = []
    var environment: [String: String] = [:]
    /// -t: a terminal (standard input must be one); -T: none; neither: as the spec's process.terminal.
    var terminal: Bool?
    /// The seccomp filter from the cache, as `run` takes it (`--no-cache`: compiled).
    var useCache = true

    static let grammar = Arguments.Grammar(flags: ["-t": "tty", "--tty": "tty", "-T": "no-tty", "--no-tty": "no-tty", "--no-cache": "no-cache"],
                                           takesCommand: true, subcommand: "exec")

    static func parse(_ args: [String]) throws(UsageError) -> ExecRequest {
        // -e repeats: taken out before the common parser (which keeps one value an option).
        var rest: [String] = []
        var environment: [String: String] = [:]
        var i = 0
        while i < args.count {
            let arg = args[i]
            if arg == "--" {
                rest += args[i...]
                break
            }
            if arg == "-e" || arg == "--env" || arg.hasPrefix("--env=") {
                let value: String
                if arg.hasPrefix("--env=") {
                    value = String(arg.dropFirst(6))
                } else {
                    guard i + 1 < args.count else { throw UsageError("\(arg) needs a value NAME=VALUE", "exec") }
                    value = args[i + 1]
                    i += 1
                }
                guard let eq = value.firstIndex(of: "="), eq != value.startIndex else {
                    throw UsageError("\(arg) takes NAME=VALUE, not '\(value)'", "exec")
                }
                environment[String(value[..<eq])] = String(value[value.index(after: eq)...])
            } else {
                rest.append(arg)
            }
            i += 1
        }
        let parsed = try Arguments.parse(rest, grammar)
        guard parsed.positionals.count == 1 else {
            throw UsageError(parsed.positionals.isEmpty ? "exec needs a sandbox name" : "exec takes one name, then '--' and the command", "exec")
        }
        if parsed.flags.contains("tty") && parsed.flags.contains("no-tty") {
            throw UsageError("-t (a terminal) and -T (none) contradict each other; give one", "exec")
        }
        let terminal: Bool? = parsed.flags.contains("tty") ? true : parsed.flags.contains("no-tty") ? false : nil
        return ExecRequest(name: parsed.positionals[0], command: parsed.command, environment: environment, terminal: terminal,
                           useCache: !parsed.flags.contains("no-cache"))
    }

    func run() -> Int32 {
        guard let state = openState(), let record = lookUp(name, in: state, for: "exec") else { return 125 }
        if case .exited(let code) = record.state {
            return NamedRun.fail("'\(name)' has exited (status \(code)); nothing to enter (`nsspec stop \(name)` removes its record)")
        }
        if case .starting = record.state, NamedSandbox.isLive(record, system) {
            return NamedRun.fail("'\(name)' is starting (nsspec pid \(record.pid)): nothing to enter yet; try again once "
                                 + "`nsspec ps` shows it running")
        }
        guard NamedSandbox.isLive(record, system) else {
            return NamedRun.fail("'\(name)' is not running: pid \(record.pid) is gone or is another process (its start time is not the "
                                 + "record's); `nsspec stop \(name)` removes the record")
        }
        let me = system.identity()
        if !me.root, let owner = NamedSandbox.owner(of: record.pid, system), owner != me.uid {
            return NamedRun.fail("'\(name)' (pid \(record.pid)) belongs to uid \(owner), not to you (uid \(me.uid)): permission denied")
        }
        guard let bytes = try? system.readFile(.path(state.planPath(name)), limit: 1 << 24), let plan = Plan(encoded: bytes.bytes) else {
            return NamedRun.fail("the plan of '\(name)' (\(state.planPath(name))) is missing or damaged")
        }
        // Join what differs from this process's own: the recorded ids must still be the pid's.
        // (Rootless, a PID 1 that is not dumpable hides its links: then the pidfd and the start
        // time alone say it is the recorded process.)
        let live = NamedSandbox.namespaces(of: record.pid, system)
        let mine = NamedSandbox.namespaces(of: system.getpid(), system)
        var flags = CloneFlags()
        for (kind, flag) in Executor.namespaceFlags {
            guard let recorded = record.namespaces.first(where: { $0.kind == kind })?.inode else { continue }
            if let theirs = live.first(where: { $0.kind == kind })?.inode, recorded != theirs {
                return NamedRun.fail("the \(kind) namespace of pid \(record.pid) is not the one recorded for '\(name)'; refusing to enter it")
            }
            if mine.first(where: { $0.kind == kind })?.inode != recorded { flags.insert(flag) }
        }
        guard !flags.isEmpty else {
            return NamedRun.fail("the record of '\(name)' names no namespace apart from this process's own; nothing to enter")
        }
        // The compiled seccomp filter from run's cache (read before the join, on the host).
        var cache: CacheStore?
        if useCache, case .success(let store) = CacheStore.open(system) { cache = store }
        let executor = Executor(plan: plan, system: system, cache: cache)
        return executor.join(Executor.JoinTarget(pid: record.pid, namespaces: flags, startTime: record.pidStart),
                             command: command.isEmpty ? nil : command, extraEnvironment: environment, terminal: terminal,
                             startTimeOf: { NamedSandbox.startTime(of: $0, system) },
                             expected: record.namespaces.filter { entry in
                                 Executor.namespaceFlags.contains { $0.name == entry.kind && flags.contains($0.flag) }
                             },
                             others: { NamedSandbox.children(of: record.pid, system) })
    }
}
