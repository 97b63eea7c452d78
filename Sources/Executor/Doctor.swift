import Diagnostics
import Planning
import SpecFormat
import System

/// `nsspec doctor [FILE]`: what this host allows and lacks for nsspec's sandboxes, one fact a
/// line, each lacking one with its fix; with a spec, what that spec needs that the host lacks.
/// Every fact comes through `SystemCalls`: files of /proc and /etc, stat, probes of system calls
/// that fail harmlessly, and one child process that tries a user namespace (never this one).
/// The spec's host checks are `Executor.hostCheck`'s, the very checks of `run`'s preflight.
public struct Doctor {
    public enum Verdict: String, Sendable {
        /// Present or allowed.
        case ok
        /// Lacking; the finding says how to fix it.
        case no
        /// A fact that is neither (what root may do, what no spec needs yet).
        case info
    }

    public struct Finding: Sendable, Equatable {
        public var verdict: Verdict
        public var text: String
        public var fix: String?
        /// For a spec's needs: the spec line that asks for it.
        public var location: SourceLocation?

        init(_ verdict: Verdict, _ text: String, fix: String? = nil, at location: SourceLocation? = nil) {
            self.verdict = verdict
            self.text = text
            self.fix = fix
            self.location = location
        }
    }

    public struct Section: Sendable, Equatable {
        public var title: String
        public var findings: [Finding]
        /// The spec, for the section of a spec's needs.
        public var file: String?
    }

    /// A map helper as found on the host.
    enum Helper: Equatable {
        case missing
        /// Installed, and able to write maps: setuid root, or with file capabilities.
        case privileged(path: String, how: String)
        /// Installed, but neither setuid root nor with capabilities: it will fail.
        case unprivileged(path: String)
    }

    /// What the spec's needs are compared with.
    struct Facts {
        var release = ""
        var version: (major: Int, minor: Int)?
        var missingCalls: [ProbedSystemCall: Errno] = [:]
        var namespaces: Set<NamespaceKind> = []
        /// nil: a user namespace was made (and a tmpfs mounted in it); else why not.
        var userNamespace: RunFailure?
        var uidHelper = Helper.missing
        var gidHelper = Helper.missing
        var seccomp = false
    }

    let sys: SystemCalls
    let caller: Caller
    var reader: HostReader { HostReader(sys, caller: caller) }
    var facts = Facts()
    /// The caller's name from /etc/passwd.
    var name: String?

    public init(system: SystemCalls, caller: Caller) {
        sys = system
        self.caller = caller
        name = try? reader.callerName()
    }

    /// "nsspec-test (uid 1001)", or "uid 1001" without a name.
    var who: String { name.map { "\($0) (uid \(caller.uid))" } ?? "uid \(caller.uid)" }

    // MARK: - The host

    /// Examines the host: the sections of `nsspec doctor`, in order.
    public mutating func examine() -> [Section] {
        [kernel(), userNamespaces(), idMaps(), network()]
    }

    /// Without a spec: the basics hold — the caller is root, or can make a user namespace.
    public var basicsHold: Bool { caller.privileged || facts.userNamespace == nil }

    mutating func kernel() -> Section {
        var out: [Finding] = []
        let uname = sys.kernelRelease()
        facts.release = uname.release
        facts.version = Self.version(uname.release)
        out.append(Finding(.ok, "kernel \(uname.release) (\(uname.machine))"))

        let minimum: [ProbedSystemCall: String] = [.openat2: "5.6", .mountSetattr: "5.12"]
        let use: [ProbedSystemCall: String] = [.openat2: "opens every path of a mount table inside the new root",
                                               .mountSetattr: "makes bind mounts read-only, nosuid, nodev, noexec"]
        for call in ProbedSystemCall.allCases {
            let answer = sys.probeSystemCall(call)
            if answer == nil || answer == .EINVAL {
                out.append(Finding(.ok, "\(call.rawValue): in this kernel (nsspec \(use[call]!) with it)"))
                continue
            }
            let errno = answer!
            facts.missingCalls[call] = errno
            if errno == .ENOSYS {
                out.append(Finding(.no, "\(call.rawValue): not in this kernel (ENOSYS); a spec with a mount table needs it",
                                   fix: "a kernel \(minimum[call]!) or later"))
            } else {
                out.append(Finding(.no, "\(call.rawValue): refused (\(errno.name)), probably by a seccomp filter of the container "
                                       + "nsspec runs in; a spec with a mount table needs it",
                                   fix: "run nsspec outside that container, or allow \(call.rawValue) in its seccomp profile"))
            }
        }

        for kind in NamespaceKind.allCases where (try? sys.fileKind("/proc/self/ns/\(Self.procName(kind))")) != nil {
            facts.namespaces.insert(kind)
        }
        let present = NamespaceKind.allCases.filter { facts.namespaces.contains($0) }
        if !present.isEmpty {
            out.append(Finding(.ok, "namespaces: \(present.map(\.rawValue).joined(separator: " ")) (/proc/self/ns)"))
        }
        for kind in NamespaceKind.allCases where !facts.namespaces.contains(kind) {
            out.append(Finding(.no, "\(kind.rawValue) namespaces: not in this kernel (no /proc/self/ns/\(Self.procName(kind)))",
                               fix: Self.namespaceFix(kind)))
        }

        out.append(overlay())

        // Seccomp: the Seccomp field of /proc/self/status exists when the kernel has it.
        let status = (try? reader.readIfPresent("/proc/self/status")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let mode = Self.field("Seccomp", in: status)
        facts.seccomp = mode != nil
        switch mode {
        case nil:
            out.append(Finding(.no, "seccomp: not in this kernel (no Seccomp field in /proc/self/status); "
                                   + "every spec gets nsspec's default filter",
                               fix: "a kernel with CONFIG_SECCOMP_FILTER, or `seccomp: {profile: unconfined}` in the spec"))
        case "0":
            out.append(Finding(.ok, "seccomp filters: available (nsspec loads one into every sandbox)"))
        default:
            out.append(Finding(.ok, "seccomp filters: available; nsspec itself runs under one already (Seccomp: \(mode!), "
                                   + "a container's?), and the sandbox's filter stacks on it"))
        }

        out.append(cgroups())
        return Section(title: "kernel", findings: out)
    }

    func overlay() -> Finding {
        let listed = (try? reader.readIfPresent("/proc/filesystems")).flatMap { $0 }
            .map { String(decoding: $0, as: UTF8.self).split(separator: "\n").contains { $0.hasSuffix("\toverlay") } } ?? false
        guard listed else {
            return Finding(.info, "overlayfs: not in /proc/filesystems (a module not loaded yet?); nsspec has no overlay mounts yet",
                           fix: "as root: modprobe overlay")
        }
        guard let v = facts.version else { return Finding(.info, "overlayfs: in /proc/filesystems (kernel version unknown)") }
        if v >= (5, 11) {
            return Finding(.ok, "overlayfs: in /proc/filesystems; a user namespace may mount it from kernel 5.11 on "
                               + "(inferred from the version, not tried)")
        }
        return Finding(.info, "overlayfs: in /proc/filesystems, but only root may mount it before kernel 5.11 (this is \(v.major).\(v.minor))")
    }

    func cgroups() -> Finding {
        let mountinfo = (try? reader.readIfPresent("/proc/self/mountinfo")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        var types: [String: String] = [:]
        for line in mountinfo.split(separator: "\n") {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPEROPTIONS
            let fields = line.split(separator: " ")
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            types[String(fields[4])] = String(fields[dash + 1])
        }
        switch types["/sys/fs/cgroup"] {
        case "cgroup2"?:
            return Finding(.ok, "cgroup v2 (unified) at /sys/fs/cgroup")
        case let other?:
            let layout = types["/sys/fs/cgroup/unified"] == "cgroup2" ? "hybrid: cgroup2 at /sys/fs/cgroup/unified" : other
            return Finding(.info, "cgroup v1 at /sys/fs/cgroup (\(layout)); nsspec sets no cgroup limits yet",
                           fix: "for cgroup v2, boot with systemd.unified_cgroup_hierarchy=1")
        case nil:
            return Finding(.info, "no cgroup filesystem at /sys/fs/cgroup; nsspec sets no cgroup limits yet")
        }
    }

    mutating func userNamespaces() -> Section {
        var out: [Finding] = []
        let r = reader
        switch r.sysctl("user.max_user_namespaces") {
        case nil:
            out.append(Finding(.no, "user.max_user_namespaces: not in this kernel (built without user namespaces?)",
                               fix: "a kernel with CONFIG_USER_NS"))
        case "0":
            out.append(Finding(.no, "user.max_user_namespaces = 0: user namespaces are disabled, for root too",
                               fix: "as root: sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/ to keep it)"))
        case let value?:
            out.append(Finding(.ok, "user.max_user_namespaces = \(value)"))
        }
        switch r.sysctl("kernel.unprivileged_userns_clone") {
        case nil:
            out.append(Finding(.ok, "kernel.unprivileged_userns_clone: not in this kernel (only Debian's older kernels have it)"))
        case "0":
            out.append(Finding(caller.privileged ? .info : .no,
                               "kernel.unprivileged_userns_clone = 0: only root may make user namespaces",
                               fix: "as root: sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/ to keep it)"))
        case let value?:
            out.append(Finding(.ok, "kernel.unprivileged_userns_clone = \(value)"))
        }
        switch r.sysctl("kernel.apparmor_restrict_unprivileged_userns") {
        case nil:
            out.append(Finding(.ok, "kernel.apparmor_restrict_unprivileged_userns: not in this kernel (Ubuntu 23.10 and later have it)"))
        case "1":
            out.append(Finding(caller.privileged ? .info : .no,
                               "kernel.apparmor_restrict_unprivileged_userns = 1: AppArmor denies unprivileged processes "
                                   + "the capabilities of the user namespaces they make (Ubuntu 23.10+, many CI runners)",
                               fix: "as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor "
                                   + "profile for the nsspec binary that allows `userns,` (/etc/apparmor.d/nsspec: "
                                   + "`abi <abi/4.0>, profile nsspec /usr/local/bin/nsspec flags=(unconfined) { userns, }`, "
                                   + "then apparmor_parser -r /etc/apparmor.d/nsspec)"))
        case let value?:
            out.append(Finding(.ok, "kernel.apparmor_restrict_unprivileged_userns = \(value)"))
        }
        facts.userNamespace = probeUserNamespace()
        if let failure = facts.userNamespace {
            out.append(Finding(.no, "\(who) cannot make a user namespace now: \(failure.cause)",
                               fix: failure.hint ?? "see the lines above; run nsspec as root meanwhile"))
        } else {
            out.append(Finding(.ok, "\(who) can make a user namespace now (tried in a child: own ids mapped, a tmpfs mounted inside)"))
        }
        if caller.privileged {
            let admin = sys.hasEffectiveCapability(.sysAdmin)
            out.append(Finding(admin ? .info : .no,
                               admin ? "root: every namespace can be made without a user namespace too, and any id map written without newuidmap"
                                   : "root, but without CAP_SYS_ADMIN (a container?): namespaces need a user namespace here",
                               fix: admin ? nil : "add `user` to the spec's namespaces, or run nsspec with CAP_SYS_ADMIN"))
        }
        return Section(title: "user namespaces", findings: out)
    }

    /// A child (clone3 with CLONE_NEWUSER and CLONE_NEWNS, never this process) maps its own
    /// uid and gid, as a rootless run does, and mounts a tmpfs in its private mount namespace,
    /// which needs the capabilities AppArmor's restriction takes away. nil: all of it worked.
    func probeUserNamespace() -> RunFailure? {
        let sys = self.sys
        let (uid, gid) = (caller.uid, caller.gid)
        let mine: Int32, theirs: Int32
        do {
            (mine, theirs) = try sys.socketPair()
        } catch {
            return RunFailure("\(error)")
        }
        let pid: Int32
        do {
            pid = try sys.clone([.newUser, .newNS], name: "probe") {
                sys.close(mine)
                do {
                    try sys.writeFile("/proc/self/setgroups", "deny")
                    try sys.writeFile("/proc/self/uid_map", "0 \(uid) 1\n")
                    try sys.writeFile("/proc/self/gid_map", "0 \(gid) 1\n")
                    // Private first, as `run` does: nothing the probe mounts can reach the host.
                    try sys.mount(source: nil, target: "/", type: nil, flags: [.recursive, .private], data: nil)
                    try sys.mount(source: "tmpfs", target: "/", type: "tmpfs", flags: [.nosuid, .nodev], data: "size=4k")
                    return 0
                } catch let error as SystemError {
                    let text = error.object.isEmpty ? error.op : "\(error.op) \(error.object)"
                    try? sys.send(.failure(exitCode: error.errno.rawValue, text: text), passing: nil, on: theirs)
                    return 1
                } catch {
                    return 1
                }
            }
        } catch let error as SystemError {
            sys.close(mine)
            sys.close(theirs)
            return reader.userNamespaceRefusal(error.errno)
                ?? RunFailure("clone3 \(error.object)", errno: error.errno,
                              hint: "user namespaces may be restricted by a seccomp filter or a security module of this host (a container?)")
        } catch {
            return RunFailure("\(error)")
        }
        sys.close(theirs)
        let reply = try? sys.receive(on: mine)
        sys.close(mine)
        let status = try? sys.waitpid(pid)
        if case .failure(let code, let text)? = reply?.message {
            let errno = Errno(code)
            if let cause = reader.userNamespaceRefusal(errno) {
                return RunFailure(cause.message + "; in the child: \(text)", errno: errno, hint: cause.hint)
            }
            return RunFailure("in a new user namespace, \(text)", errno: errno,
                              hint: "a security module (AppArmor, SELinux) or a seccomp filter of this host denies it")
        }
        guard status == .exited(0) else {
            return RunFailure("the probe ended with \(status.map { "status \($0.code)" } ?? "no status")")
        }
        return nil
    }

    mutating func idMaps() -> Section {
        var out: [Finding] = []
        let r = reader
        for kind in [IDKind.uid, .gid] {
            let file = "/etc/sub\(kind.rawValue)"
            let ranges = (try? r.subordinateRanges(kind)) ?? []
            if ranges.isEmpty {
                out.append(Finding(.no, "\(file): no range for \(who); maps with `outside: subordinate` need one",
                                   fix: "as root: usermod --add-sub\(kind.rawValue)s 100000-165535 \(name ?? String(caller.uid))"))
            } else {
                let total = ranges.reduce(UInt64(0)) { $0 + UInt64($1.count) }
                let text = ranges.map { "\($0.start)-\(UInt64($0.start) + UInt64($0.count) - 1)" }.joined(separator: ", ")
                out.append(Finding(.ok, "\(file) gives \(who) \(text) (\(total) \(kind.rawValue)s)"))
            }
            let helper = self.helper(kind)
            if kind == .uid { facts.uidHelper = helper } else { facts.gidHelper = helper }
            let tool = "new\(kind.rawValue)map"
            switch helper {
            case .missing:
                out.append(Finding(caller.privileged ? .info : .no,
                                   "\(tool): not installed" + (caller.privileged ? " (root writes any map itself)"
                                       : "; maps beyond your own id need it"),
                                   fix: "apt install uidmap"))
            case .privileged(let path, let how):
                out.append(Finding(.ok, "\(tool): \(path), \(how)"))
            case .unprivileged(let path):
                out.append(Finding(caller.privileged ? .info : .no,
                                   "\(tool): \(path) is neither setuid root nor given capabilities: it cannot write maps",
                                   fix: "as root: chmod u+s \(path) (owned by root), or setcap cap_set\(kind.rawValue)=ep \(path); "
                                       + "or reinstall: apt install --reinstall uidmap"))
            }
        }
        return Section(title: "id maps beyond your own id", findings: out)
    }

    func helper(_ kind: IDKind) -> Helper {
        guard let path = reader.mapHelper(kind) else { return .missing }
        if let status = try? sys.fileStatus(path), status.isSetuid && status.owner == 0 { return .privileged(path: path, how: "setuid root") }
        // cap_to_text's form: "cap_setuid=ep", "cap_setgid,cap_setuid=ep".
        if let caps = try? sys.fileCapabilities(path),
           caps.split(whereSeparator: { !($0.isLetter || $0 == "_") }).contains(Substring("cap_set\(kind.rawValue)")) {
            return .privileged(path: path, how: "file capabilities \(caps)")
        }
        return .unprivileged(path: path)
    }

    func network() -> Section {
        var out: [Finding] = []
        if sys.hasEffectiveCapability(.netAdmin) {
            out.append(Finding(.ok, "veth pairs (network.veth): can be made (CAP_NET_ADMIN in the host's network namespace)"))
        } else {
            out.append(Finding(.no, "veth pairs (network.veth): \(who) has no CAP_NET_ADMIN in the host's network namespace",
                               fix: "run specs with network.veth as root; without root a sandbox's network is lo alone"))
        }
        let tun = "/dev/net/tun"
        if (try? sys.fileKind(tun)) == nil {
            out.append(Finding(.no, "\(tun): missing; user-mode networking (pasta) needs it", fix: "as root: modprobe tun"))
        } else {
            do {
                sys.close(try sys.open(tun, [.readWrite]))
                out.append(Finding(.ok, "\(tun): present, and \(who) may open it (for user-mode networking, pasta)"))
            } catch let error as SystemError {
                out.append(Finding(.no, "\(tun): present, but \(who) may not open it (\(error.errno.name)); user-mode networking (pasta) needs it",
                                   fix: "as root: chmod 0666 \(tun) (as systemd's udev rules make it)"))
            } catch {
                out.append(Finding(.no, "\(tun): \(error)"))
            }
        }
        if let pasta = onPath("pasta") {
            out.append(Finding(.ok, "pasta: \(pasta) (user-mode networking)"))
        } else {
            out.append(Finding(.no, "pasta: not on PATH (user-mode networking)", fix: "apt install passt"))
        }
        return Section(title: "network", findings: out)
    }

    func onPath(_ program: String) -> String? {
        let path = sys.environmentValue("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first(where: sys.isExecutable)
    }

    // MARK: - A spec's needs

    /// What the plan needs of this host, each need as a finding at the spec line that asks for
    /// it; then the host checks of its preflight (`Executor.hostCheck`). Call after `examine`.
    public func needs(of plan: Plan, hostProblems: [Diagnostic]) -> Section {
        var out: [Finding] = []
        let steps = plan.steps
        func first(_ match: (Action) -> Bool) -> Step? { steps.first { match($0.action) } }

        // Namespaces: made (clone, unshare) or joined.
        var kinds: [(NamespaceKind, SourceLocation)] = []
        for step in steps {
            switch step.action {
            case .clone(_, let list): for k in list where !kinds.contains(where: { $0.0 == k }) { kinds.append((k, step.location)) }
            case .unshare(let k), .join(let k, _): if !kinds.contains(where: { $0.0 == k }) { kinds.append((k, step.location)) }
            default: break
            }
        }
        let created = Set(steps.flatMap { step -> [NamespaceKind] in
            switch step.action {
            case .clone(_, let list): list
            case .unshare(let k): [k]
            default: []
            }
        })
        let lacking = kinds.filter { !facts.namespaces.contains($0.0) }
        for (kind, location) in lacking {
            out.append(Finding(.no, "the spec \(created.contains(kind) ? "creates" : "joins") a \(kind.rawValue) namespace; "
                                   + "this kernel has none (no /proc/self/ns/\(Self.procName(kind)))",
                               fix: Self.namespaceFix(kind), at: location))
        }
        if !kinds.isEmpty && lacking.isEmpty {
            let names = NamespaceKind.allCases.filter { k in kinds.contains { $0.0 == k } }.map(\.rawValue)
            out.append(Finding(.ok, "namespaces \(names.joined(separator: ", ")): all in this kernel"))
        }

        if created.contains(.user) {
            let location = first { if case .clone(_, let l) = $0 { l.contains(.user) } else if case .unshare(.user) = $0 { true } else { false } }?.location
            if let failure = facts.userNamespace {
                out.append(Finding(.no, "the spec creates a user namespace, and \(who) cannot make one here: \(failure.cause)",
                                   fix: failure.hint ?? "see the user namespaces section", at: location))
            } else {
                out.append(Finding(.ok, "user namespace: \(who) can make one"))
            }
        } else if !caller.privileged && !created.isEmpty {
            let location = first { if case .clone = $0 { true } else if case .unshare = $0 { true } else { false } }?.location
            out.append(Finding(.no, "the spec creates namespaces (\(created.map(\.rawValue).sorted().joined(separator: ", "))) "
                                   + "without a user namespace: that needs root (CAP_SYS_ADMIN), and \(who) is not root",
                               fix: "add `user` to namespaces, or run nsspec as root", at: location))
        }

        // System calls of the mount stage.
        let mountSteps = steps.filter { $0.stage == .mounts }
        let usesOpenat2 = mountSteps.first { step in
            switch step.action {
            case .makeRootPrivate, .enterStaging, .pivotRoot: false
            default: true
            }
        }
        let usesSetattr = mountSteps.first { step in
            switch step.action {
            case .bind, .readonlyPaths, .remountRootReadonly, .readonlyHostTree: true
            case .bindRoot(_, let readonly): readonly
            default: false
            }
        }
        var present: [String] = []
        for (call, user) in [(ProbedSystemCall.openat2, usesOpenat2), (.mountSetattr, usesSetattr)] {
            guard let user else { continue }
            guard let errno = facts.missingCalls[call] else {
                present.append(call.rawValue)
                continue
            }
            out.append(Finding(.no, "the mount table needs \(call.rawValue), which this kernel \(errno == .ENOSYS ? "lacks" : "refuses (\(errno.name))")",
                               fix: errno == .ENOSYS ? "a kernel \(call == .openat2 ? "5.6" : "5.12") or later"
                                   : "run nsspec outside the seccomp filter that refuses it", at: user.location))
        }
        if !present.isEmpty { out.append(Finding(.ok, "the mount table's system calls (\(present.joined(separator: ", "))): in this kernel")) }

        // Maps written through newuidmap/newgidmap: installed is preflight's check; able to, ours.
        for step in steps {
            guard case .writeMap(let kind, _, true, _) = step.action else { continue }
            switch kind == .uid ? facts.uidHelper : facts.gidHelper {
            case .unprivileged(let path):
                out.append(Finding(.no, "the \(kind.rawValue) map is written by \(path), which is neither setuid root nor given capabilities",
                                   fix: "as root: chmod u+s \(path), or setcap cap_set\(kind.rawValue)=ep \(path)", at: step.location))
            case .privileged(let path, _):
                out.append(Finding(.ok, "the \(kind.rawValue) map is written by \(path)"))
            case .missing:
                break  // host-map-helper, below
            }
        }

        if let step = first({ if case .loadSeccomp = $0 { true } else { false } }) {
            if facts.seccomp {
                out.append(Finding(.ok, "seccomp filter: the kernel can load it"))
            } else {
                out.append(Finding(.no, "the spec's process gets a seccomp filter, and this kernel has no seccomp",
                                   fix: "`seccomp: {profile: unconfined}` in the spec, or a kernel with CONFIG_SECCOMP_FILTER",
                                   at: step.location))
            }
        }

        for d in hostProblems {
            out.append(Finding(d.severity == .error ? .no : .info, "\(d.message) [\(d.rule)]", fix: d.hint, at: d.location))
        }
        if hostProblems.isEmpty {
            out.append(Finding(.ok, "host checks of run's preflight (bind sources, mount targets, subordinate ids, helpers, veth): all pass"))
        }
        return Section(title: "spec \(plan.file), for \(who)", findings: out, file: plan.file)
    }

    /// The section of a spec that could not be read or has errors (printed above it).
    public static func invalidSpec(_ file: String, errors: Int) -> Section {
        Section(title: "spec \(file)",
                findings: [Finding(.no, "the spec cannot be read or has \(errors) error\(errors == 1 ? "" : "s") (above)",
                                   fix: "nsspec validate \(file)")],
                file: file)
    }

    // MARK: - Output

    /// The report as text: the sections, each finding on a line of its own (its fix on the next),
    /// then the result. Plain text, no colour.
    public func render(_ sections: [Section], spec: Section?) -> String {
        var out = "nsspec doctor: what this host allows and lacks for nsspec sandboxes, as \(who)\n"
        for section in sections + (spec.map { [$0] } ?? []) {
            out += "\n\(section.title)\n"
            for f in section.findings {
                let verdict = f.verdict.rawValue + String(repeating: " ", count: 6 - f.verdict.rawValue.count)
                out += "  \(verdict)" + (f.location.map { "\(TerminalText.escaped($0.description, keepTabs: false)): " } ?? "") + TerminalText.escaped(f.text, keepTabs: false) + "\n"
                if let fix = f.fix, f.verdict != .ok {
                    out += "        \(f.verdict == .no ? "fix" : "hint"): \(TerminalText.escaped(fix, keepTabs: false))\n"
                }
            }
        }
        out += "\n" + summary(sections, spec: spec) + "\n"
        return out
    }

    func summary(_ sections: [Section], spec: Section?) -> String {
        let lacking = sections.flatMap(\.findings).filter { $0.verdict == .no }.count
        let others = lacking == 0 ? "" : "; \(lacking) thing\(lacking == 1 ? "" : "s") lacking, for some specs only (the `no` lines above)"
        if let spec {
            let problems = spec.findings.filter { $0.verdict == .no }.count
            let file = spec.file ?? "the spec"
            return problems == 0 ? "result: \(file) can run here, as \(who)"
                : "result: \(file) cannot run here, as \(who): \(problems) problem\(problems == 1 ? "" : "s") (the `no` lines under \"spec\")"
        }
        if caller.privileged { return "result: root can run sandboxes here" + others }
        if basicsHold { return "result: \(who) can run sandboxes here (user namespaces work)" + others }
        return "result: \(who) cannot run sandboxes here: no user namespace can be made (see \"user namespaces\"); as root nsspec can"
    }

    /// 0: the spec (without one, the basics) can run; 1: not.
    public func exitStatus(spec: Section?) -> Int32 {
        if let spec { return spec.findings.contains { $0.verdict == .no } ? 1 : 0 }
        return basicsHold ? 0 : 1
    }

    // MARK: - Helpers

    static func procName(_ kind: NamespaceKind) -> String { kind == .mount ? "mnt" : kind.rawValue }

    static func namespaceFix(_ kind: NamespaceKind) -> String {
        switch kind {
        case .time: "a kernel 5.6 or later built with CONFIG_TIME_NS"
        case .cgroup: "a kernel 4.6 or later built with CONFIG_CGROUPS"
        case .user: "a kernel built with CONFIG_USER_NS"
        case .mount: "a kernel with mount namespaces"
        case .uts: "a kernel built with CONFIG_UTS_NS"
        case .ipc: "a kernel built with CONFIG_IPC_NS"
        case .pid: "a kernel built with CONFIG_PID_NS"
        case .net: "a kernel built with CONFIG_NET_NS"
        }
    }

    /// "6.1.0-18-amd64" -> (6, 1).
    static func version(_ release: String) -> (major: Int, minor: Int)? {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    /// The value of `Name:` in a /proc status file.
    static func field(_ name: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).trimmingWhitespaceAndTabs()
        }
        return nil
    }
}

extension Substring {
    func trimmingWhitespaceAndTabs() -> String { String(self).trimmingWhitespace() }
}
