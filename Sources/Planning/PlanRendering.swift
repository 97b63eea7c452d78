import Diagnostics
import SpecFormat

extension Action {
    /// A stable name for the operation (the `op` field of `plan --format json`).
    public var op: String {
        switch self {
        case .checkMapHelper: "check-map-helper"
        case .checkSubordinateRange: "check-subordinate-range"
        case .checkSource: "check-source"
        case .checkTarget: "check-target"
        case .runFromSealedCopy: "run-from-sealed-copy"
        case .openChannel: "open-channel"
        case .watchParent: "watch-parent"
        case .fork: "fork"
        case .clone: "clone"
        case .notDumpable: "not-dumpable"
        case .dieWithParent: "die-with-parent"
        case .handoff: "handoff"
        case .unshare: "unshare"
        case .join: "setns"
        case .writeSetgroups: "write-setgroups"
        case .writeMap(let kind, _, _, _): "write-\(kind.rawValue)-map"
        case .adoptMappedID(let kind, _, _): "adopt-mapped-\(kind.rawValue)"
        case .setHostname: "sethostname"
        case .setDomainname: "setdomainname"
        case .makeRootPrivate: "make-root-private"
        case .enterStaging: "enter-staging"
        case .mountRootTmpfs: "mount-root-tmpfs"
        case .bindRoot: "bind-root"
        case .overlayRoot: "overlay-root"
        case .overlay: "overlay"
        case .checkOverlay: "check-overlay"
        case .checkNamespacePath: "check-namespace-path"
        case .bind: "bind"
        case .tmpfs: "tmpfs"
        case .proc: "proc"
        case .sysfs: "sysfs"
        case .dev: "dev"
        case .devpts: "devpts"
        case .mqueue: "mqueue"
        case .directory: "dir"
        case .file: "file"
        case .resolvConf: "resolv-conf"
        case .symlink: "symlink"
        case .maskPaths: "mask-paths"
        case .readonlyPaths: "readonly-paths"
        case .pivotRoot: "pivot-root"
        case .remountRootReadonly: "remount-root-readonly"
        case .readonlyHostTree: "readonly-host-tree"
        case .checkNetworkAdmin: "check-network-admin"
        case .checkHostInterface: "check-host-interface"
        case .checkHostAddresses: "check-host-addresses"
        case .createVeth: "create-veth"
        case .addAddress: "add-address"
        case .linkUp: "link-up"
        case .addRoute: "add-route"
        case .loopbackUp: "loopback-up"
        case .checkPasta: "check-pasta"
        case .checkTun: "check-tun"
        case .checkHostPort: "check-host-port"
        case .startPasta: "start-pasta"
        case .checkPastaInterface: "check-pasta-interface"
        case .setRlimit: "setrlimit"
        case .setGroups: "setgroups"
        case .setGid: "setgid"
        case .setUid: "setuid"
        case .capabilities: "capabilities"
        case .noNewPrivileges: "no-new-privs"
        case .newSession: "setsid"
        case .newSessionKeyring: "new-session-keyring"
        case .checkTerminal: "check-terminal"
        case .privateDevpts: "private-devpts"
        case .openTerminal: "open-terminal"
        case .compileSeccomp: "compile-seccomp"
        case .loadSeccomp: "load-seccomp"
        case .exec: "exec"
        case .spawn: "spawn"
        case .reapAndForward: "reap-and-forward"
        case .childExits: "child-exits"
        case .supervise: "supervise"
        }
    }

    /// What the step does, in words a reviewer can check against the spec.
    public var summary: String {
        switch self {
        case .checkMapHelper(let kind): return "new\(kind.rawValue)map is installed (the map needs ids the caller may not map itself)"
        case .checkSubordinateRange(let kind, let count): return "/etc/sub\(kind.rawValue) gives the caller at least \(count) ids"
        case .checkSource(let path, let optional): return "\(path) exists" + (optional ? " (optional: skipped if not)" : "")
        case .runFromSealedCopy:
            return "go on from a sealed copy of nsspec's binary (memfd): the sandbox may outlive every process that runs nsspec's own file"
        case .checkTarget(let path, let directory): return "\(path) exists on the host" + (directory ? " and is a directory" : "") + " (nothing is created there)"
        case .openChannel: return "socket pair to the sandbox (its reports, and end of file once it has exec'd)"
        case .watchParent: return "pidfd of nsspec, for PID 1 to see whether nsspec died before it armed PR_SET_PDEATHSIG"
        case .fork(let actor):
            return actor == .`init` ? "fork the init as nsspec's child (clone CLONE_PARENT)" : "fork the \(actor.rawValue)"
        case .clone(let actor, let kinds):
            let what = actor == .`init` ? "PID 1" : "the \(actor.rawValue)"
            return "clone \(what) into new namespaces (\(kinds.map(Self.cloneFlag).joined(separator: "|")))"
        case .dieWithParent: return "SIGKILL when the parent dies (PR_SET_PDEATHSIG)"
        case .notDumpable: return "not dumpable (PR_SET_DUMPABLE 0): no ptrace, no /proc/1/exe from the sandbox"
        case .handoff(let h, let to): return "-> \(to.rawValue): \(h.rawValue)"
        case .unshare(let kind): return "unshare(\(Self.cloneFlag(kind)))"
        case .join(let kind, let path): return "setns(\(path), \(Self.cloneFlag(kind)))"
        case .writeSetgroups(let policy, let of): return "write \"\(policy.rawValue)\" to the \(of.rawValue)'s setgroups"
        case .writeMap(let kind, let lines, let helper, let of):
            let text = lines.map(Self.describe).joined(separator: ", ")
            return helper ? "new\(kind.rawValue)map for the \(of.rawValue): \(text)" : "write the \(of.rawValue)'s \(kind.rawValue)_map: \(text)"
        case .adoptMappedID(let kind, let caller, let to):
            let call = kind == .uid ? "setresuid" : "setresgid"
            return "the caller's \(kind.rawValue) \(caller) is not in the \(kind.rawValue) map: \(call) \(to) (capabilities kept) "
                + "before anything is made; the process runs as \(kind.rawValue) \(to) unless process.\(kind.rawValue) is given"
        case .setHostname(let name): return "sethostname \"\(name)\""
        case .setDomainname(let name): return "setdomainname \"\(name)\""
        case .makeRootPrivate: return "make / rprivate (nothing propagates back to the host)"
        case .enterStaging: return "tmpfs at /tmp, pivot_root into it: old root at /oldroot, new root built at /newroot"
        case .mountRootTmpfs: return "tmpfs as the new root (mode 0755)"
        case .bindRoot(let path, let readonly): return "bind \(path) as the new root" + (readonly ? " (read-only)" : "")
        case .overlayRoot(let lower, let upper, _):
            return "overlay as the new root: lower \(lower) (never written), upper \(Self.describe(upper))"
        case .overlay(let target, let lower, let upper, _):
            return "overlay at \(target): lower \(lower.joined(separator: " over ")) (top first), " + (upper == .none ? "read-only (no upper)" : "upper \(Self.describe(upper))")
        case .checkNamespacePath(let kind, let path): return "the \(kind.rawValue) namespace to join exists at \(path)"
        case .checkOverlay(let upper, let userns):
            var text = "the kernel mounts overlayfs" + (userns ? " in a user namespace (Linux 5.11+)" : "")
            if case .directory(let u, let w) = upper { text += "; \(u) and \(w) are directories on one filesystem" }
            return text
        case .bind(let source, let target, let optional, let recursive, let flags, let propagation):
            var opts = [recursive ? "rbind" : "bind"] + Self.words(flags)
            if propagation != .rprivate { opts.append(propagation.rawValue) }
            if optional { opts.append("optional") }
            return "bind \(source) -> \(target) (\(opts.joined(separator: ",")))"
        case .tmpfs(let target, let size, let mode, let flags):
            var opts = Self.words(flags)
            if let size { opts.append("size=\(Self.describe(size))") }
            if let mode { opts.append("mode=0" + String(mode, radix: 8)) }
            return "tmpfs at \(target)" + (opts.isEmpty ? "" : " (\(opts.joined(separator: ",")))")
        case .proc(let target): return "proc at \(target) (nosuid,nodev,noexec)"
        case .sysfs(let target, let readonly): return "sysfs at \(target) (nosuid,nodev,noexec\(readonly ? ",ro" : ""))"
        case .dev(let target): return "minimal dev at \(target): tmpfs; null zero full random urandom tty bound from the host; pts, shm, ptmx, fd links"
        case .devpts(let target):
            let own = target == "/dev/pts" ? "; /dev/ptmx made this instance's" : ""
            return "devpts at \(target) (newinstance,ptmxmode=0666\(own))"
        case .mqueue(let target): return "mqueue at \(target)"
        case .directory(let target, let mode): return "mkdir \(target)" + (mode.map { " (mode 0\(String($0, radix: 8)))" } ?? "")
        case .resolvConf(let nameserver):
            return "/etc/resolv.conf: nameserver \(nameserver) (pasta's DNS forwarder), bound read-only from a tmpfs of nsspec's"
        case .file(let target, let content, let mode):
            return "file \(target), \(content.utf8.count) bytes" + (mode.map { " (mode 0\(String($0, radix: 8)))" } ?? "")
        case .symlink(let target, let link): return "symlink \(target) -> \(link)"
        case .maskPaths(let paths): return "mask \(paths.joined(separator: " "))"
        case .readonlyPaths(let paths): return "read-only \(paths.joined(separator: " "))"
        case .pivotRoot: return "pivot_root into /newroot, detach the old root"
        case .remountRootReadonly: return "remount / read-only"
        case .readonlyHostTree: return "make the host's tree read-only, every mount under /"
        case .checkNetworkAdmin: return "the caller has CAP_NET_ADMIN in the host's network namespace (for the veth host ends)"
        case .checkHostInterface(let name): return "no interface \(name) on the host"
        case .checkHostAddresses(let cidrs):
            return "no host interface has \(cidrs.map(\.description).joined(separator: ", ")) or an overlapping subnet"
        case .createVeth(let pair, let peerIn):
            var text = "veth pair: \(pair.host ?? "(host end named by the kernel)") on the host, \(pair.peer) created in the \(peerIn.rawValue)'s net namespace"
            var opts: [String] = []
            if let mtu = pair.mtu { opts.append("mtu \(mtu)") }
            if let mac = pair.mac { opts.append("\(pair.peer) mac \(mac)") }
            if !opts.isEmpty { text += " (\(opts.joined(separator: ", ")))" }
            return text
        case .addAddress(let interface, let cidr): return "address \(cidr) on \(interface)" + (cidr.address.isV4 ? "" : " (no DAD)")
        case .linkUp(let name): return "set \(name) up"
        case .addRoute(let interface, let to, let via):
            return "route \(to.map(\.description) ?? "default")" + (via.map { " via \($0)" } ?? "") + " dev \(interface)"
        case .loopbackUp: return "set lo up"
        case .checkPasta: return "pasta is installed (Debian package passt)"
        case .checkTun: return "/dev/net/tun opens for the caller (pasta makes the sandbox's tap with it)"
        case .checkHostPort(let port):
            return "host port \(port.shown) is free, and the caller may listen on it"
        case .checkPastaInterface(let name): return "pasta's tap \(name) is in the sandbox's network namespace"
        case .startPasta(let pasta):
            var text = "pasta " + pasta.arguments.joined(separator: " ")
            text += "  (fd 3: its ready pipe; "
            text += pasta.userNamespace ? "fds 4, 5: the sandbox's user and net namespaces" : "fd 4: the sandbox's net namespace"
            text += "); the sandbox waits until it is ready; killed when the sandbox ends"
            if !pasta.configure { text += "; outbound off: no --config-net, the tap has no address and no route" }
            return text
        case .setRlimit(let name, let soft, let hard): return "rlimit \(name) soft=\(Self.describe(soft)) hard=\(Self.describe(hard))"
        case .setGroups(let groups, let joined):
            return (groups.isEmpty ? "setgroups [] (drop supplementary groups)" : "setgroups \(groups)")
                + (joined ? "; refused by a joined namespace that denies it: no error" : "")
        case .setGid(let gid): return "setresgid \(gid)"
        case .setUid(let uid): return "setresuid \(uid)"
        case .capabilities(let keep):
            if keep == [Capabilities.all] { return "keep every capability this kernel has (ALL) in all five sets" }
            return keep.isEmpty ? "drop every capability from all five sets"
                : "keep \(keep.joined(separator: ", ")) in all five sets; drop every other"
        case .noNewPrivileges: return "PR_SET_NO_NEW_PRIVS"
        case .newSession: return "setsid (no controlling terminal)"
        case .newSessionKeyring: return "a session keyring of its own (KEYCTL_JOIN_SESSION_KEYRING): the caller's keys out of reach"
        case .checkTerminal(let required):
            return required ? "nsspec's standard input is a terminal (process.terminal: true); raw while the sandbox runs, its pty relayed"
                : "if nsspec's standard input is a terminal: a pty of the sandbox's own, relayed (process.terminal: auto)"
        case .privateDevpts: return "with a terminal: a devpts of its own on a detached mount, for the pty"
        case .openTerminal: return "with a terminal: a pty from the sandbox's devpts; its master to nsspec, the slave the process's controlling terminal and fds 0, 1, 2"
        case .compileSeccomp(let policy): return "the seccomp filter, compiled with libseccomp (or from the cache): " + Self.describe(policy.expanded)
        case .loadSeccomp(let policy):
            let filters = policy.expanded.filters.count
            return "load the seccomp filter (\(policy.profile.rawValue) profile\(filters > 1 ? ", \(filters) filters" : ""))"
        case .exec(let args, let cwd, let env), .spawn(let args, let cwd, let env):
            let envText = env.map { e -> String in
                switch e {
                case .set(let name, _): return name
                case .pass("*"): return "+ the rest of the caller's (*)"
                case .pass(let name): return "\(name) (from caller)"
                }
            }
            let verb = if case .spawn = self { "posix_spawn" } else { "exec" }
            return "\(verb) \(args.map(Self.quote).joined(separator: " ")) in \(cwd ?? "(unchanged)"); close fds >= 3; env: "
                + (envText.isEmpty ? "(empty)" : envText.joined(separator: " "))
        case .reapAndForward: return "as PID 1: forward signals to the process, reap orphans, exit with the process's status"
        case .childExits: return "exit (PID 1 is nsspec's own child)"
        case .supervise(let statusOf, let reap):
            let reaped = reap.map { "reap the \($0.rawValue); " }.joined()
            return "forward INT TERM HUP QUIT USR1 USR2 WINCH; \(reaped)exit with the \(statusOf.rawValue)'s status"
        }
    }

    public static func cloneFlag(_ kind: NamespaceKind) -> String {
        switch kind {
        case .mount: "CLONE_NEWNS"
        case .cgroup: "CLONE_NEWCGROUP"
        default: "CLONE_NEW" + kind.rawValue.uppercased()
        }
    }

    static func describe(_ line: MapLine) -> String {
        let outside: String
        switch line.outside {
        case .id(let id): outside = String(id)
        case .caller: outside = "self"
        case .subordinate: outside = "subordinate"
        }
        return "\(line.inside) \(outside) \(line.count)"
    }

    /// "default profile: 312 calls allowed, 4 with conditions (clone, ioctl, …), ENOSYS for
    /// clone3, EPERM for the rest".
    static func describe(_ s: SeccompPlan) -> String {
        if s.profile == .unconfined { return "unconfined but for \(s.denied.joined(separator: " ")) (EPERM)" }
        var parts = ["\(s.profile.rawValue) profile: \(s.allowed.count) calls allowed"]
        if !s.conditional.isEmpty { parts.append("\(s.conditional.joined(separator: " ")) with conditions") }
        if !s.notImplemented.isEmpty { parts.append("ENOSYS for \(s.notImplemented.joined(separator: " "))") }
        if !s.denied.isEmpty { parts.append("\(s.denied.joined(separator: " ")) denied by the spec") }
        return parts.joined(separator: ", ") + ", EPERM for the rest (and for other ABIs)"
    }

    static func describe(_ size: Size) -> String {
        switch size {
        case .bytes(let n): String(n)
        case .percent(let p): "\(p)%"
        }
    }

    static func describe(_ value: Rlimit.Value) -> String {
        switch value {
        case .limit(let n): String(n)
        case .unlimited: "unlimited"
        }
    }

    static func words(_ f: MountOptions) -> [String] {
        [f.readonly ? "ro" : nil, f.nosuid ? "nosuid" : nil, f.nodev ? "nodev" : nil, f.noexec ? "noexec" : nil].compactMap { $0 }
    }

    /// An overlay's upper layer in words.
    static func describe(_ upper: OverlayLayer) -> String {
        switch upper {
        case .none: "none (read-only)"
        case .tmpfs: "a tmpfs of its own (writes discarded at exit)"
        case .directory(let upper, let work): "\(upper) (writes kept; work \(work))"
        }
    }

    static func quote(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            c.properties.isAlphabetic || c.properties.numericType != nil || "/._-=:,+@%".unicodeScalars.contains(c)
        }
        return plain ? s : "'" + s.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    func replacingAll(_ old: Character, with new: String) -> String {
        var out = ""
        for c in self { if c == old { out += new } else { out.append(c) } }
        return out
    }
}

/// `nsspec plan`'s two formats.
public enum PlanRenderer {
    public static func text(_ plan: Plan) -> String {
        var out = "plan for \(plan.file)" + (plan.name.map { " (\($0))" } ?? "") + ": \(plan.steps.count) steps\n"
        var stage: Stage?
        let width = String(plan.steps.count).count
        for (i, step) in plan.steps.enumerated() {
            if step.stage != stage {
                out += "\n\(step.stage.rawValue)\n"
                stage = step.stage
            }
            let n = String(i + 1)
            let index = String(repeating: " ", count: width - n.count) + n
            let actor = step.actor.rawValue + String(repeating: " ", count: 6 - step.actor.rawValue.count)
            out += "  \(index)  \(actor)  \(step.action.summary)  [\(step.location)]\n"
        }
        return out
    }

    public static func json(_ plan: Plan) -> String {
        var out = "{\"file\":\(DiagnosticRenderer.jsonString(plan.file)),\"name\":\(plan.name.map { DiagnosticRenderer.jsonString($0) } ?? "null"),\"steps\":["
        for (i, step) in plan.steps.enumerated() {
            if i > 0 { out += "," }
            let loc = step.location
            out += "\n{\"index\":\(i + 1),\"stage\":\(DiagnosticRenderer.jsonString(step.stage.rawValue)),\"actor\":\(DiagnosticRenderer.jsonString(step.actor.rawValue))"
                + ",\"op\":\(DiagnosticRenderer.jsonString(step.action.op)),\"summary\":\(DiagnosticRenderer.jsonString(step.action.summary))"
                + ",\"location\":{\"file\":\(DiagnosticRenderer.jsonString(loc.file)),\"line\":\(loc.line),\"column\":\(loc.column)}"
            if case .compileSeccomp(let policy) = step.action {
                let s = policy.expanded
                func names(_ list: [String]) -> String { "[" + list.map(DiagnosticRenderer.jsonString).joined(separator: ",") + "]" }
                out += ",\"seccomp\":{\"profile\":\(DiagnosticRenderer.jsonString(s.profile.rawValue)),\"allowed\":\(names(s.allowed))"
                    + ",\"conditional\":\(names(s.conditional)),\"enosys\":\(names(s.notImplemented)),\"denied\":\(names(s.denied))}"
            }
            out += "}"
        }
        return out + "\n]}\n"
    }
}
