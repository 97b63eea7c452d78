import Planning
import SpecFormat
import System

extension Executor {
    func process(_ action: Action) throws {
        switch action {
        case .setRlimit(let name, let soft, let hard):
            func value(_ v: Rlimit.Value) -> UInt64 {
                if case .limit(let n) = v { return n }
                return UInt64.max  // RLIM_INFINITY
            }
            guard let resource = ResourceLimit.named(name) else { throw RunFailure("no resource limit named \(name)") }
            try sys.setrlimit(resource, soft: value(soft), hard: value(hard))
        case .setGroups(let groups, let joinedUserNamespace):
            do {
                try sys.setgroups(groups)
            } catch let error as SystemError where error.errno == .EPERM && groups.isEmpty && joinedUserNamespace && setgroupsDenied() {
                // A joined user namespace whose setgroups is "deny" (as `unshare -r` leaves it):
                // the kernel refuses setgroups(2) there, as in a new one with `setgroups: deny`,
                // and the caller's supplementary groups show as the overflow gid.
            }
        case .setGid(let gid): try sys.setresgid(gid)
        case .setUid(let uid): try sys.setresuid(uid)
        case .capabilities(let names):
            // `ALL`: every capability this kernel has (CAP_LAST_CAP differs between kernels).
            let keep = names == [Capabilities.all] ? Array(0...sys.lastCapability())
                : names.compactMap { Capabilities.names.firstIndex(of: $0).map(Int32.init) }
            // Dropping from the bounding set needs CAP_SETPCAP effective; the capset that follows
            // then leaves exactly `keep` (an unprivileged process may only lower its sets).
            try sys.raiseEffectiveCapabilities()
            try sys.dropBoundingSet(keeping: keep)
            try sys.setCapabilities(keep)
            try sys.setAmbientCapabilities(keep)
        case .noNewPrivileges: try sys.setNoNewPrivileges()
        case .newSession: try sys.setsid()
        case .newSessionKeyring:
            do {
                _ = try sys.joinNewSessionKeyring()
            } catch let error as SystemError where error.errno == .ENOSYS {
                // A kernel without keyrings (CONFIG_KEYS=n) has no keys to keep apart.
            }
        case .spawn(let args, let cwd, let env): try exec(args, cwd: cwd, env: env, spawn: true)
        default: break
        }
    }

    /// The process's environment: the spec's `env`, then `passEnv` from the caller's; nothing else.
    /// `passEnv: ["*"]` passes every variable of the caller's that `env` does not set.
    func environment(_ entries: [EnvEntry]) -> [String] {
        var caller: [Substring: String]?
        var out: [String] = []
        for entry in entries {
            switch entry {
            case .set(let name, let value): out.append("\(name)=\(value)")
            case .pass("*"):
                let set = Set(out.compactMap { e in e.firstIndex(of: "=").map { e[..<$0] } })
                for e in sys.environment() {
                    guard let eq = e.firstIndex(of: "="), !set.contains(e[..<eq]) else { continue }
                    out.append(e)
                }
            case .pass(let name):
                if caller == nil {
                    caller = [:]
                    for e in sys.environment() {
                        if let eq = e.firstIndex(of: "=") { caller![e[..<eq]] = e }
                    }
                }
                if let e = caller![Substring(name)] { out.append(e) }
            }
        }
        return out
    }

    /// The executable for args[0]: a path as given, or the first match in the process's PATH.
    func executable(_ name: String, env: [String]) -> String? {
        if name.contains("/") { return name }
        let path = env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if sys.isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// Exec the process here, or (`spawn`, for a tiny init) start it with posix_spawn, which
    /// resets the signals in the new process and leaves this one as it is.
    func exec(_ args: [String], cwd: String?, env entries: [EnvEntry], spawn: Bool) throws {
        guard let first = args.first else { throw RunFailure("no command: the spec has no process.args and none was given after --") }
        if !spawn { sys.resetSignals() }
        if let dir = cwd {
            do {
                try sys.chdir(dir)
            } catch let error as SystemError {
                let hint = error.errno == .EACCES
                    ? "the directory exists, but the process may not enter it: look at its owner and mode, and those of the "
                        + "directories above it, from inside (ls -ldn); files whose owner the uid map leaves out show as "
                        + "nobody (65534), as those of a root file system built by another user do (mmdebstrap as root "
                        + "writes the host's own ids, which a map of subordinate ids leaves out)"
                    : "the directory must exist inside the sandbox (add a dir or bind mount)"
                throw RunFailure("cwd \(dir)", errno: error.errno, hint: hint)
            }
            // A cwd reached through an inherited fd (/proc/self/fd/N) could lie outside the
            // root (CVE-2024-21626); getcwd fails with ENOENT there.
            do {
                _ = try sys.currentDirectory()
            } catch let error as SystemError {
                throw RunFailure("cwd \(dir) is outside the sandbox's root", errno: error.errno)
            }
        }
        let env = environment(entries)
        guard let path = executable(first, env: env) else {
            let searched = env.first { $0.hasPrefix("PATH=") } ?? "PATH (default /usr/local/bin:/usr/bin:/bin)"
            throw RunFailure("\(first): command not found in \(searched)", exitCode: 127)
        }
        try sys.closeOnExec(from: 3)
        let errno: Errno
        do {
            if spawn, let slave = terminal.slave {
                // A session of its own with the pty as its controlling terminal: posix_spawn can
                // make the session but not take the terminal, so a fork (in its own session, the
                // job control of a shell inside works as in a terminal's).
                terminal.slave = nil
                defer { sys.close(slave) }
                // What posix_spawn would refuse, refused here, where it is reported as every
                // failure is (stage, spec line, hint): the fork's own exec can only exit.
                if try sys.fileKind(path) != .regular || !sys.isExecutable(path) {
                    throw SystemError("exec", path, errno: .EACCES)
                }
                let sys = self.sys
                let step = plan.steps.first { if case .spawn = $0.action { true } else { false } }
                let pid = try sys.clone([], name: "process") {
                    do {
                        try sys.setsid()
                        try sys.takeTerminal(slave)
                        sys.resetSignals()
                        try sys.execve(path, args, env)
                    } catch let error as SystemError {
                        // Reported as every failure is, on the channel nsspec still reads (its
                        // relay); on the terminal when there is none.
                        let failure = self.execFailure("exec", path, errno: error.errno)
                        let text = step.map(failure.render) ?? "nsspec: \(failure.message)\n"
                        if let channel = self.channel,
                           (try? sys.send(.failure(exitCode: failure.exitCode, text: text), passing: nil, on: channel)) != nil {
                            return failure.exitCode
                        }
                        sys.write(text, to: 2)
                        return failure.exitCode
                    } catch {
                        return 126
                    }
                    return 0
                }
                pids.process = pid
                undo.append(.process(pid))
                announceStart()
            } else if spawn {
                let pid = try sys.spawn(path, args, env)
                pids.process = pid
                undo.append(.process(pid))
                announceStart()
            } else {
                if let slave = terminal.slave {
                    terminal.slave = nil
                    try sys.takeTerminal(slave)
                }
                endTiming()
                try sys.execve(path, args, env)
            }
            return
        } catch let error as SystemError {
            errno = error.errno
        }
        // Only now, on the failure path, is the file read to name a missing interpreter.
        throw execFailure(spawn ? "posix_spawn" : "exec", path, errno: errno)
    }

    /// A named run's PID 1 has started the process: nsspec records the sandbox now (PID 1 keeps
    /// its end of the channel, so nsspec would read end of file only when it exits).
    func announceStart() {
        guard announcesStart, let channel else { return }
        // PID 1 is not dumpable: its /proc/PID/ns/* are out of the caller's reach from outside
        // in a user namespace, so it names its namespaces itself (NAME=INODE after the word).
        var text = Self.processStarted
        for kind in NamedSandbox.namespaceKinds {
            if let inode = try? sys.namespaceInode("/proc/self/ns/\(kind)") { text += " \(kind)=\(inode)" }
        }
        try? sys.send(.handoff(text), passing: nil, on: channel)
    }

    /// Whether this process's user namespace refuses setgroups(2) (/proc/self/setgroups).
    func setgroupsDenied() -> Bool {
        guard let contents = try? sys.readFile(.path("/proc/self/setgroups"), limit: 16) else { return false }
        return String(decoding: contents.bytes, as: UTF8.self).trimmingWhitespace() == "deny"
    }
}
