import Planning
import SpecFormat
import System

/// `nsspec exec NAME`: a new process in a running named sandbox, with exactly the identity the
/// plan that ran gives its process (docs/named-sandboxes.md).
///
/// The order matters. nsspec makes itself non-dumpable first, so that nothing inside the
/// sandbox can ptrace it or open its /proc/PID/{exe,mem,environ} once it is in the sandbox's
/// namespaces (CVE-2016-9962, CVE-2019-5736); exec resets it only when the new image is
/// readable. It joins every namespace through a pidfd of the sandbox's process at once (Linux
/// 5.8+), else one `/proc/PID/ns/*` at a time with the user namespace first (the others need
/// the capabilities it gives). A pid namespace holds only the children made after the join:
/// nsspec forks, and the child takes the process-stage steps of the plan — rlimits, groups,
/// gid, uid, capabilities, no_new_privs, seccomp — with this executor's own code, then execs
/// with the spec's cwd and environment and nothing open but 0, 1 and 2 (close-on-exec from 3).
/// The parent forwards signals to it and returns its status as `run` does.
///
/// A terminal (the spec's `process.terminal`, or `-t`/`-T`): the parent, once joined, opens a pty
/// of the sandbox's devpts — the one at the sandbox's /dev/pts, or a private instance when the
/// plan gave the process one — and keeps its master to relay as `run` does; the child takes the
/// slave as its controlling terminal in a session of its own. Without one, the child still
/// starts a session of its own (no ioctl reaches the caller's terminal) and a keyring of its own.
extension Executor {
    public struct JoinTarget: Sendable {
        public var pid: Int32
        /// The namespaces of the sandbox that are not the caller's own (a sandbox that keeps the
        /// host's network shares it, and joining one's own namespace is refused for some).
        public var namespaces: CloneFlags
        /// The pid's start time as recorded: checked again once the pidfd holds the process.
        public var startTime: UInt64
        public init(pid: Int32, namespaces: CloneFlags, startTime: UInt64) {
            self.pid = pid
            self.namespaces = namespaces
            self.startTime = startTime
        }
    }

    /// The flag of each `/proc/PID/ns` name, user first (the order of the fallback).
    public static let namespaceFlags: [(name: String, flag: CloneFlags)] = [
        ("user", .newUser), ("mnt", .newNS), ("pid", .newPID), ("net", .newNet), ("ipc", .newIPC), ("uts", .newUTS),
        ("cgroup", .newCgroup), ("time", .newTime),
    ]

    /// Joins `target` and runs `command` (nil: the spec's process.args) in it; returns the
    /// status (125 when the join failed, with the failure on standard error).
    ///
    /// `others`: the pids to join through instead when the kernel refuses the target's
    /// (rootless, PID 1 is not dumpable and a pidfd setns needs ptrace access to it: its
    /// children that exec'd are); each must have `expected`'s namespaces, checked again on this
    /// process once joined, so that a process inside that changed its own namespaces cannot
    /// take the join elsewhere.
    ///
    /// `terminal`: true or false forces a terminal on or off (`-t`, `-T`); nil follows the
    /// plan's `process.terminal` (auto: when standard input is a terminal).
    public func join(_ target: JoinTarget, command: [String]?, extraEnvironment: [String: String], terminal wanted: Bool? = nil,
                     startTimeOf: (Int32) -> UInt64?,
                     expected: [(kind: String, inode: UInt64)] = [], others: () -> [Int32] = { [] }) -> Int32 {
        parentPid = sys.getpid()
        sys.ignoreSignals([.SIGPIPE])
        sys.defaultSignals([.SIGCHLD])
        let identity = plan.steps.indices.filter { index in
            switch plan.steps[index].action {
            case .setRlimit, .setGroups, .setGid, .setUid, .capabilities, .noNewPrivileges, .dieWithParent, .newSession,
                 .newSessionKeyring, .loadSeccomp: true
            default: false
            }
        }
        // Decided before anything is joined: a terminal required where there is none is a usage
        // matter, refused with nothing done.
        let planTerminal = plan.steps.lazy.compactMap { step -> Bool? in
            if case .checkTerminal(let required) = step.action { required } else { nil }
        }.first
        let required = wanted ?? planTerminal ?? false
        terminal.active = (wanted ?? (planTerminal != nil)) && sys.isTerminal(0)
        if required && !terminal.active {
            let why = wanted == true ? "exec -t" : "the spec's process.terminal is true"
            return failed(text: "nsspec: exec: \(why), but nsspec's standard input is not a terminal (exec -T runs without one)\n", code: 125)
        }
        let privateDevpts = plan.steps.contains { if case .privateDevpts = $0.action { true } else { false } }
        guard let start = plan.steps.firstIndex(where: { if case .exec = $0.action { true } else if case .spawn = $0.action { true } else { false } }) else {
            return failed(text: "nsspec: the stored plan has no process to take the identity of\n", code: 125)
        }
        let processStep = plan.steps[start]
        var args: [String] = [], cwd: String?, env: [EnvEntry] = []
        switch processStep.action {
        case .exec(let a, let c, let e), .spawn(let a, let c, let e): (args, cwd, env) = (a, c, e)
        default: break
        }
        if let command { args = command }
        for (name, value) in extraEnvironment.sorted(by: { $0.key < $1.key }) {
            env.removeAll { if case .set(name, _) = $0 { true } else { false } }
            env.append(.set(name, value))
        }
        // The seccomp filter before the join, as run's parent compiles it before any fork: from
        // the cache (on the host's filesystem, out of the sandbox's reach) or compiled; then the
        // cache's secret is forgotten, before anything of the sandbox can see this process.
        for index in plan.steps.indices {
            guard case .compileSeccomp(let policy) = plan.steps[index].action else { continue }
            do {
                seccompPrograms = try seccompPrograms(policy)
            } catch let failure as RunFailure {
                return fail(failure, at: index)
            } catch let error as SystemError {
                return fail(RunFailure(error, during: plan.steps[index]), at: index)
            } catch {
                return fail(RunFailure("\(error)"), at: index)
            }
        }
        cache?.forget()
        do {
            if !Self.testKeepsJoinDumpable(sys) { try sys.setNotDumpable() }
            let pidfd = try sys.openPidfd(target.pid)
            // The pidfd holds this process now: a pid reused since it was recorded is refused.
            guard startTimeOf(target.pid) == target.startTime else {
                sys.close(pidfd)
                return failed(text: "nsspec: exec: pid \(target.pid) is not the sandbox's process any more (its start time differs from the record's)\n", code: 125)
            }
            do {
                try sys.setns(pidfd: pidfd, target.namespaces)
            } catch let error as SystemError where error.errno == .EINVAL {
                // Before Linux 5.8: one namespace at a time, the user namespace first.
                for (name, flag) in Self.namespaceFlags where target.namespaces.contains(flag) {
                    try sys.setns(path: "/proc/\(target.pid)/ns/\(name)", flag)
                }
            } catch let error as SystemError where error.errno == .EPERM || error.errno == .EACCES {
                var joined = false
                for other in others() {
                    guard let fd = try? sys.openPidfd(other) else { continue }
                    defer { sys.close(fd) }
                    if (try? sys.setns(pidfd: fd, target.namespaces)) != nil {
                        joined = true
                        break
                    }
                }
                if !joined { throw error }
            }
            sys.close(pidfd)
            try sys.chdir("/")
            if terminal.active {
                // In the sandbox's mount namespace now, with the capabilities its user namespace
                // gives a joiner: its devpts, or a private instance as the process had.
                if privateDevpts { terminal.devpts = try sys.openDetachedDevpts() }
                let (master, slave) = try openPty()
                terminal.master = master
                terminal.slave = slave
            }
        } catch let error as SystemError {
            return failed(text: "nsspec: exec: joining the sandbox (pid \(target.pid)): \(error.op) \(error.object): \(error.errno)\n", code: 125)
        } catch {
            return failed(text: "nsspec: exec: \(error)\n", code: 125)
        }
        // The child reports a failure itself, on standard error, as nsspec's process does.
        let steps = identity
        let pid: Int32
        do {
            pid = try sys.clone([], name: "exec") { [self] in
                // Its own namespaces, in the sandbox's /proc (the mount namespace joined shows the
                // sandbox's procfs, where only a process of its pid namespace has a /proc/self):
                // exactly the recorded ones, or nothing is run.
                for (kind, inode) in expected {
                    let now = try? sys.namespaceInode("/proc/self/ns/\(kind)")
                    guard now == inode else {
                        return failed(text: "nsspec: exec: the \(kind) namespace joined (\(now.map(String.init) ?? "unknown")) is not the sandbox's "
                                      + "recorded one (\(inode)); nothing was run\n", code: 125)
                    }
                }
                testHoldsJoin()
                for index in steps {
                    do {
                        _ = try perform(plan.steps[index], at: index)
                    } catch let failure as RunFailure {
                        return fail(failure, at: index)
                    } catch let error as SystemError {
                        return fail(RunFailure(error, during: plan.steps[index]), at: index)
                    } catch {
                        return fail(RunFailure("\(error)"), at: index)
                    }
                }
                do {
                    try exec(args, cwd: cwd, env: env, spawn: false)
                } catch let failure as RunFailure {
                    return fail(failure, at: start)
                } catch let error as SystemError {
                    return fail(RunFailure(error, during: processStep), at: start)
                } catch {
                    return fail(RunFailure("\(error)"), at: start)
                }
                return 0
            }
        } catch let error as SystemError {
            return failed(text: "nsspec: exec: fork into the sandbox: \(error.errno)\n", code: 125)
        } catch {
            return 125
        }
        if let master = terminal.master, let slave = terminal.slave {
            sys.close(slave)
            terminal.master = nil
            terminal.slave = nil
            // A resize is the pty's to signal, not nsspec's to forward.
            sys.forwardSignals(Self.forwardedSignals.filter { $0 != .SIGWINCH }, to: pid)
            do {
                try relayTerminal(channel: nil, receivedMaster: master, target: pid)
            } catch {
                sys.write("nsspec: exec: the terminal relay: \(error)\n", to: diagnostics)
            }
        } else {
            sys.forwardSignals(Self.forwardedSignals, to: pid)
        }
        do {
            return try sys.waitpid(pid).code
        } catch {
            return 125
        }
    }

    #if DEBUG
    /// For the attack tests only (Tests/integration/areas/named.sh), and only in a debug build:
    /// `NSSPEC_TEST_JOIN_HOLD=MS` holds the joining process in the sandbox for MS milliseconds
    /// before it takes the plan's identity (still the caller's environment and capabilities), so
    /// that a process inside can try what CVE-2016-9962 and CVE-2019-5736 did without racing;
    /// `NSSPEC_TEST_JOIN_DUMPABLE=1` leaves it dumpable: the control, where the same attacks work.
    static func testKeepsJoinDumpable(_ sys: SystemCalls) -> Bool { sys.environmentValue("NSSPEC_TEST_JOIN_DUMPABLE") == "1" }

    func testHoldsJoin() {
        guard let text = sys.environmentValue("NSSPEC_TEST_JOIN_HOLD"), let ms = Int(text) else { return }
        sys.write("nsspec: test hook: the join held \(ms) ms (pid \(sys.getpid()) in the sandbox)\n", to: diagnostics)
        sys.sleep(milliseconds: ms)
    }
    #else
    static func testKeepsJoinDumpable(_ sys: SystemCalls) -> Bool { false }
    func testHoldsJoin() {}
    #endif
}
