import Diagnostics
import SpecFormat
import Validation

/// What the planner needs to know about whoever runs the spec. Values only: the CLI reads
/// them, so that planning stays pure.
public struct Caller: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    /// Root in the host's user namespace: may write any id map directly, needs no helper.
    public var privileged: Bool
    /// The working directory, to make relative host paths absolute (they must survive the
    /// move of the old root to /oldroot while the new root is built).
    public var cwd: String

    public init(uid: UInt32, gid: UInt32, privileged: Bool, cwd: String) {
        self.uid = uid
        self.gid = gid
        self.privileged = privileged
        self.cwd = cwd
    }
}

/// Spec -> Plan. The order of everything `run` does is the table `Planner.order`, never the
/// order in which the spec lists things (except the mount table, which is applied as listed).
public struct Planner: Sendable {
    public let spec: ValidatedSpec
    public let caller: Caller
    /// `nsspec run spec -- CMD…` replaces `process.args`.
    public let argsOverride: [String]?

    public init(spec: ValidatedSpec, caller: Caller, argsOverride: [String]? = nil) {
        self.spec = spec
        self.caller = caller
        self.argsOverride = argsOverride
        // The facts every row asks about, worked out once (each is a walk of the namespaces).
        entersPid = spec.namespace(.pid) != nil
        newUser = spec.creates(.user)
        clonesSandbox = !spec.namespaces.isEmpty && spec.namespaces.allSatisfy { $0.path == nil } && !spec.creates(.time)
        sandbox = entersPid ? .`init` : .child
        let p = spec.process
        // The profile allows calls by capability (as Docker's does); `ALL` is every one of them.
        let capabilities = p?.capabilities.map(\.value) ?? []
        seccompPolicy = SeccompProfiles.policy(p?.seccomp, capabilities: capabilities.contains(Capabilities.all) ? Capabilities.names : capabilities,
                                               nestedNamespaces: p?.nestedNamespaces?.value ?? false)
    }

    /// The order table: each row is one part of the run, in the order it runs, with the code
    /// that turns the spec into that part's steps. Rows that do not apply produce no steps.
    public typealias Row = (name: String, build: @Sendable (Planner) -> [Step])

    public static let order: [Row] = [
        ("host checks", { $0.preflight() }),
        ("the channel, and the sandbox's first process", { $0.forkChild() }),
        ("user namespace, alone", { $0.userNamespace() }),
        ("id maps, by the parent", { $0.idMaps() }),
        ("a mapped id for the sandbox, when the maps leave the caller out", { $0.adoptMappedIDs() }),
        ("the other namespaces", { $0.otherNamespaces() }),
        ("pid namespace through a fork", { $0.forkInit() }),
        ("veth host ends, by the parent, while the sandbox mounts", { $0.hostNetwork() }),
        ("uts", { $0.uts() }),
        ("mounts, proc before pivot_root", { $0.mounts() }),
        ("network inside: lo, the peers, addresses, routes", { $0.insideNetwork() }),
        ("process, last", { $0.process() }),
        ("supervise", { $0.supervise() }),
    ]

    /// `order` is for tests that break the order on purpose, to see the checks of it fail.
    public func plan(order: [Row] = Planner.order) -> Plan {
        Plan(file: spec.file, name: spec.name?.value, steps: order.flatMap { $0.build(self) }, caller: caller)
    }

    // MARK: - Who does what

    /// A pid namespace, new or joined, is entered only by the children of the process that
    /// unshares or joins it: the sandbox then runs in a forked process.
    let entersPid: Bool
    let newUser: Bool
    /// PID 1 of a new pid namespace, reaping orphans (in a joined one it would not be PID 1).
    var tinyInit: Bool { spec.creates(.pid) && (spec.process?.initProcess?.value ?? true) }
    var dieWithParent: Bool { spec.process?.dieWithParent?.value ?? true }
    /// Nothing joined and no time namespace (clone(2) has no flag for one): the parent clones the
    /// sandbox straight into all its new namespaces, as bubblewrap does. No intermediate child,
    /// and the user namespace and the pid namespace exist the moment the parent has the pid.
    let clonesSandbox: Bool
    /// The namespaces of that clone, user first (it owns the others).
    var clonedNamespaces: [NamespaceKind] {
        ([.user] + Self.otherNamespaceOrder).filter { spec.creates($0) }
    }
    /// The process that builds the sandbox: the one forked into the pid namespace (PID 1 of a
    /// new one), or the child.
    let sandbox: Actor
    var fileLocation: SourceLocation { SourceLocation(file: spec.file, line: 0, column: 0) }

    func key(_ name: String) -> SourceLocation { spec.keys[name] ?? fileLocation }
    func namespaceLocation(_ kind: NamespaceKind) -> SourceLocation {
        spec.namespace(kind)?.location ?? key("namespaces")
    }
    var processLocation: SourceLocation { spec.process?.location ?? key("process") }

    // MARK: - Preflight

    func preflight() -> [Step] {
        var steps: [Step] = []
        func add(_ action: Action, _ at: SourceLocation) { steps.append(Step(.preflight, .parent, action, at: at)) }
        // While some process runs nsspec's file, the kernel refuses to open it for writing
        // (ETXTBSY): a tiny init of nsspec's image, which the pid namespace dies with, keeps it so.
        // Without one the sandbox may outlive nsspec: it then runs from a sealed copy — when the
        // sandbox has a root of its own or a read-only host tree, which keep nsspec's file out of
        // reach but for a kept /proc/PID/exe. (Over the host's writable tree the file is in reach
        // by its path anyway, as everything the process's host identity owns: the copy would
        // guard nothing, and cost ~13 ms.)
        let fileOutOfReach = spec.creates(.mount) && (buildsRoot || spec.readonlyRoot?.value == true)
        if fileOutOfReach && (!spec.creates(.pid) || (!tinyInit && !dieWithParent)) {
            add(.runFromSealedCopy, spec.namespace(.pid)?.location ?? namespaceLocation(.pid))
        }
        for kind in [IDKind.uid, .gid] where newUser {
            let map = self.map(kind)
            if needsHelper(kind, map.value) { add(.checkMapHelper(kind), map.location) }
            let subordinate = map.value.filter { $0.outside == .subordinate }.reduce(UInt64(0)) { $0 + UInt64($1.count) }
            if subordinate > 0 { add(.checkSubordinateRange(kind, count: subordinate), map.location) }
        }
        if case .directory(let path, _, let overlay)? = spec.root?.value {
            add(.checkSource(path: hostPath(path.value), optional: false), path.location)
            if let overlay { overlayChecks(layer(overlay.value), overlay.location, add) }
        }
        for ns in spec.namespaces {
            if let path = ns.path { add(.checkNamespacePath(ns.kind, path: path.value), path.location) }
        }
        for mount in spec.mounts {
            switch mount.kind {
            case .bind(let source):
                add(.checkSource(path: hostPath(source.value), optional: mount.optional?.value ?? false), mount.location)
            case .overlay(let lower, let upper):
                for l in lower { add(.checkSource(path: hostPath(l.value), optional: false), l.location) }
                overlayChecks(upper.map { layer($0.value) } ?? .none, upper?.location ?? mount.location, add)
            default: continue
            }
        }
        let under = buildsRoot ? [] : HostTree.enclosing(spec.mounts.map(\.mount))
        for (i, mount) in spec.mounts.enumerated() where !buildsRoot && onHostTree(under[i]) && !HostTree.creates(mount.type) {
            let isBind = if case .bind = mount.kind { true } else { false }
            add(.checkTarget(path: mount.effectiveTarget.value, directory: !isBind), mount.effectiveTarget.location)
        }
        if terminal != .never { add(.checkTerminal(required: terminal == .always), terminalLocation) }
        if let seccomp = seccompPolicy { add(.compileSeccomp(seccomp), seccompLocation) }
        if let first = veths.first { add(.checkNetworkAdmin, first.location) }
        for v in veths { if let name = v.host?.name { add(.checkHostInterface(name.value), name.location) } }
        for v in veths {
            if let host = v.host, !host.addresses.isEmpty { add(.checkHostAddresses(host.addresses.map(\.value)), host.location) }
        }
        if let userMode {
            add(.checkPasta, userModeLocation)
            add(.checkTun, userModeLocation)
            for port in userMode.ports {
                if let p = pastaPort(port) { add(.checkHostPort(p), port.host?.location ?? port.location) }
            }
        }
        return steps
    }

    // MARK: - Namespaces and id maps

    /// The parent's socket pair to the sandbox, then its first process: the child, or the
    /// sandbox cloned into its new namespaces.
    func forkChild() -> [Step] {
        var steps = [Step(.sandboxProcess, .parent, .openChannel, at: key("namespaces"))]
        func add(_ actor: Actor, _ action: Action, _ at: SourceLocation) { steps.append(Step(.sandboxProcess, actor, action, at: at)) }
        if clonesSandbox {
            if sandbox == .`init` && dieWithParent { add(.parent, .watchParent, dieWithParentLocation) }
            add(.parent, .clone(sandbox, clonedNamespaces), key("namespaces"))
            if dieWithParent { add(sandbox, .dieWithParent, dieWithParentLocation) }
            // PID 1 stays dumpable until its maps are written (idMaps).
            if sandbox == .`init` && !newUser { add(.`init`, .notDumpable, namespaceLocation(.pid)) }
            return steps
        }
        add(.parent, .fork(.child), key("namespaces"))
        if dieWithParent { add(.child, .dieWithParent, dieWithParentLocation) }
        return steps
    }

    /// The process that enters the user namespace and, when it writes them, its own maps.
    var userNamespaceActor: Actor { clonesSandbox ? sandbox : .child }

    func userNamespace() -> [Step] {
        guard !clonesSandbox, let user = spec.namespace(.user) else { return [] }
        if let path = user.path { return [Step(.userNamespace, .child, .join(.user, path: path.value), at: path.location)] }
        var steps = [Step(.userNamespace, .child, .unshare(.user), at: user.location)]
        if !selfMaps { steps.append(Step(.userNamespace, .child, .handoff(.userNamespaceReady, to: .parent), at: user.location)) }
        return steps
    }

    /// True when the child may write its own maps, as `unshare -r` does: each map is the
    /// caller's own id, once, and setgroups is denied (the kernel's rule for a process writing
    /// /proc/self/*_map). That saves a round trip to the parent.
    var selfMaps: Bool {
        guard newUser, (spec.setgroups?.value ?? .deny) == .deny else { return false }
        return [IDKind.uid, .gid].allSatisfy { kind in
            let lines = map(kind).value
            let own = kind == .uid ? caller.uid : caller.gid
            return lines.count == 1 && lines[0].count == 1 && (lines[0].outside == .caller || lines[0].outside == .id(own))
        }
    }

    /// The map as written (an inside `self` resolved), or the default: the caller's own id -> 0.
    func map(_ kind: IDKind) -> Located<[MapLine]> {
        let written = kind == .uid ? spec.uidMap : spec.gidMap
        if let written {
            // `inside: self` is the caller's own id, known now.
            let own = kind == .uid ? caller.uid : caller.gid
            return Located(written.value.map { MapLine(inside: $0.inside.value.id ?? own, outside: $0.outside.value, count: $0.count.value) },
                           at: written.location)
        }
        return Located([MapLine(inside: 0, outside: .caller, count: 1)], at: namespaceLocation(.user))
    }

    /// An unprivileged caller may write only "its own id, once" itself; the rest goes through
    /// newuidmap/newgidmap (setuid helpers that check /etc/subuid and /etc/subgid).
    public func needsHelper(_ kind: IDKind, _ lines: [MapLine]) -> Bool {
        if caller.privileged { return false }
        let own = kind == .uid ? caller.uid : caller.gid
        return !(lines.count == 1 && lines[0].count == 1
                 && (lines[0].outside == .caller || lines[0].outside == .id(own)))
    }

    /// By the parent, or by the child itself when `selfMaps`.
    func idMaps() -> [Step] {
        guard newUser else { return [] }
        let owner = userNamespaceActor
        let writer: Actor = selfMaps ? owner : .parent
        var steps: [Step] = []
        let policy = spec.setgroups?.value ?? .deny
        if policy == .deny {
            steps.append(Step(.idmaps, writer, .writeSetgroups(.deny, of: owner), at: spec.setgroups?.location ?? map(.gid).location))
        }
        for kind in [IDKind.uid, .gid] {
            let map = self.map(kind)
            steps.append(Step(.idmaps, writer, .writeMap(kind, map.value, helper: needsHelper(kind, map.value), of: owner), at: map.location))
        }
        if !selfMaps { steps.append(Step(.idmaps, .parent, .handoff(.mapsWritten, to: owner), at: map(.gid).location)) }
        if clonesSandbox && sandbox == .`init` { steps.append(Step(.idmaps, .`init`, .notDumpable, at: namespaceLocation(.pid))) }
        return steps
    }

    /// Whether `id` (the caller's own) is in the map as the plan resolves it: a `self` line, or
    /// a line of explicit outside ids that holds it. A `subordinate` line is taken not to hold it
    /// (/etc/subuid gives a user ids other than its own).
    public static func maps(_ id: UInt32, _ lines: [MapLine]) -> Bool {
        lines.contains { line in
            switch line.outside {
            case .caller: true
            case .id(let start): UInt64(start) <= UInt64(id) && UInt64(id) < UInt64(start) + UInt64(line.count)
            case .subordinate: false
            }
        }
    }

    /// The id the sandbox takes when the map leaves the caller out: inside 0 when mapped (root
    /// of the namespace, as the owner of a distribution's files expects), else the lowest inside id.
    public static func adoptedID(_ lines: [MapLine]) -> UInt32? {
        if lines.contains(where: { $0.inside == 0 }) { return 0 }
        return lines.map(\.inside).min()
    }

    /// A new user namespace whose map leaves out the caller's own uid (gid): the process that
    /// owns it has no mapped id, so the kernel refuses every file it would create (EOVERFLOW) and
    /// shows it as the overflow id. Right after the maps, before anything is made, it changes to
    /// a mapped id (gid first, then uid, its capabilities kept), which the processes it makes
    /// inherit.
    func adoptMappedIDs() -> [Step] {
        guard newUser else { return [] }
        var steps: [Step] = []
        for kind in [IDKind.gid, .uid] {
            let map = self.map(kind)
            let own = kind == .uid ? caller.uid : caller.gid
            guard !Self.maps(own, map.value), let to = Self.adoptedID(map.value) else { continue }
            steps.append(Step(.idmaps, userNamespaceActor, .adoptMappedID(kind, caller: own, to: to), at: map.location))
        }
        return steps
    }

    /// After the user namespace, so that each is owned by it (DESIGN §3.4); `pid` last, since
    /// only the next fork enters it.
    static let otherNamespaceOrder: [NamespaceKind] = [.ipc, .uts, .net, .cgroup, .time, .mount, .pid]

    func otherNamespaces() -> [Step] {
        if clonesSandbox { return [] }
        var steps: [Step] = []
        for kind in Self.otherNamespaceOrder {
            guard let entry = spec.namespace(kind) else { continue }
            if let path = entry.path {
                steps.append(Step(.namespaces, .child, .join(kind, path: path.value), at: path.location))
                continue
            }
            steps.append(Step(.namespaces, .child, .unshare(kind), at: entry.location))
            // Like pid, a new time namespace is entered by children only; without a fork into a
            // pid namespace to carry the sandbox into it, the child enters it itself.
            if kind == .time && !entersPid {
                steps.append(Step(.namespaces, .child, .join(.time, path: "/proc/self/ns/time_for_children"), at: entry.location))
            }
        }
        return steps
    }

    func forkInit() -> [Step] {
        guard entersPid, !clonesSandbox else { return [] }
        let at = namespaceLocation(.pid)
        var steps: [Step] = []
        if dieWithParent { steps.append(Step(.namespaces, .child, .watchParent, at: dieWithParentLocation)) }
        steps += [Step(.namespaces, .child, .fork(.`init`), at: at), Step(.namespaces, .`init`, .notDumpable, at: at)]
        if dieWithParent { steps.append(Step(.namespaces, .`init`, .dieWithParent, at: dieWithParentLocation)) }
        steps.append(Step(.namespaces, .child, .handoff(.initPid, to: .parent), at: at))
        return steps
    }

    // MARK: - UTS and mounts

    func uts() -> [Step] {
        var steps: [Step] = []
        if let name = spec.hostname { steps.append(Step(.uts, sandbox, .setHostname(name.value), at: name.location)) }
        if let name = spec.domainname { steps.append(Step(.uts, sandbox, .setDomainname(name.value), at: name.location)) }
        return steps
    }

    /// True when the sandbox gets a root of its own, built beside the old one and entered by
    /// pivot_root; false for `root: host`, where the table is mounted over the host's tree.
    var buildsRoot: Bool {
        switch spec.root?.value {
        case .tmpfs?, .directory?: true
        case .host?, nil: false
        }
    }

    func mounts() -> [Step] {
        guard spec.creates(.mount) else { return [] }
        var steps: [Step] = []
        func add(_ action: Action, _ at: SourceLocation) { steps.append(Step(.mounts, sandbox, action, at: at)) }
        add(.makeRootPrivate, namespaceLocation(.mount))
        let rootAt = spec.root?.location ?? namespaceLocation(.mount)
        if !buildsRoot {
            for action in hostViewProtections(procAt: "/proc", sysAt: "/sys", fromTable: true) { add(action, rootAt) }
            if let ro = spec.readonlyRoot, ro.value { add(.readonlyHostTree, ro.location) }
        }
        if let root = spec.root {
            switch root.value {
            case .host: break
            case .tmpfs:
                add(.enterStaging, root.location)
                add(.mountRootTmpfs, root.location)
            case .directory(let path, let readonly, let overlay?):
                add(.enterStaging, root.location)
                add(.overlayRoot(lower: hostPath(path.value), upper: layer(overlay.value), userNamespace: newUser), overlay.location)
                _ = readonly  // refused with overlay by validation
                for action in hostViewProtections(procAt: "/proc", sysAt: "/sys", fromTable: true) { add(action, path.location) }
            case .directory(let path, let readonly, nil):
                add(.enterStaging, root.location)
                add(.bindRoot(path: hostPath(path.value), readonly: readonly?.value ?? false), path.location)
                // A directory that holds the host's /proc or /sys mounts (`/`, `/..`) shows them.
                for action in hostViewProtections(procAt: "/proc", sysAt: "/sys", fromTable: true) { add(action, path.location) }
            }
        }
        for mount in spec.mounts {
            add(action(for: mount), mount.location)
            if case .bind(let source) = mount.kind {
                // A bind of the host's /proc, /sys or / shows the host's kernel files there.
                let s = hostPath(source.value), t = mount.effectiveTarget.value == "/" ? "" : mount.effectiveTarget.value
                let proc = s == "/proc" ? t : s == "/" ? t + "/proc" : nil
                let sys = s == "/sys" ? t : s == "/" ? t + "/sys" : nil
                for action in hostViewProtections(procAt: proc, sysAt: sys, fromTable: false) { add(action, mount.location) }
            }
            if mount.type == .proc {
                let target = mount.effectiveTarget.value
                // The OCI runtime spec's defaults, under wherever proc went.
                add(.maskPaths(Self.maskedProcPaths.map { target + $0 }), mount.location)
                add(.readonlyPaths(Self.readonlyProcPaths.map { target + $0 }), mount.location)
            }
            if mount.type == .sysfs {
                // The OCI runtime spec's default masks /sys/firmware (ACPI tables, EFI variables).
                add(.maskPaths([mount.effectiveTarget.value + "/firmware"]), mount.location)
            }
        }
        if let userMode, userMode.dnsValue {
            add(.resolvConf(nameserver: PastaPlan.dnsAddress), userMode.dns?.location ?? userModeLocation)
        }
        if terminal != .never && !mountsDevptsAtDevPts { add(.privateDevpts, terminalLocation) }
        if buildsRoot { add(.pivotRoot, spec.root?.location ?? fileLocation) }
        if buildsRoot, let ro = spec.readonlyRoot, ro.value { add(.remountRootReadonly, ro.location) }
        return steps
    }

    /// `process.terminal` (nil: `auto`).
    var terminal: Terminal { spec.process?.terminal?.value ?? .auto }
    var terminalLocation: SourceLocation { spec.process?.terminal?.location ?? processLocation }

    /// Whether the table mounts a devpts at /dev/pts (its own, or `dev`'s), where the pty comes from.
    var mountsDevptsAtDevPts: Bool {
        spec.mounts.contains { m in
            (m.type == .devpts && m.effectiveTarget.value == "/dev/pts") || (m.type == .dev && m.effectiveTarget.value == "/dev")
        }
    }

    /// With `root: host`, a mount that lands on `under` (HostTree.enclosing) lands on the host's
    /// own tree: not inside a tmpfs of the spec.
    func onHostTree(_ under: Mount?) -> Bool {
        guard spec.creates(.mount) else { return false }
        guard let under else { return true }
        return !HostTree.isScratch(under.type)
    }

    /// Where the host's /proc or /sys shows in the sandbox (`root: host`, a directory root that
    /// holds them, a bind of them): what nsspec's own proc and sysfs mounts get (the OCI
    /// defaults: kernel tunables read-only, kcore and friends masked, /sys read-only with
    /// /sys/firmware masked) — as root the sandbox's uid 0 is the host's, owner of
    /// /proc/sys/kernel/core_pattern. `fromTable`: not where the table mounts its own.
    /// Paths that do not exist are skipped when the steps run.
    func hostViewProtections(procAt: String?, sysAt: String?, fromTable: Bool) -> [Action] {
        var out: [Action] = []
        let targets = fromTable ? spec.mounts.map { ($0.type, $0.effectiveTarget.value) } : []
        if let proc = procAt, !targets.contains(where: { $0 == (.proc, proc) }) {
            out.append(.maskPaths(Self.maskedProcPaths.map { proc + $0 }))
            out.append(.readonlyPaths(Self.readonlyProcPaths.map { proc + $0 }))
        }
        if let sys = sysAt, !targets.contains(where: { $0.1 == sys }) {
            out.append(.readonlyPaths([sys]))
            out.append(.maskPaths([sys + "/firmware"]))
        }
        return out
    }

    /// maskedPaths and readonlyPaths of the OCI runtime spec's default config, /proc part,
    /// relative to where proc is mounted.
    public static let maskedProcPaths = [
        "/acpi", "/asound", "/kcore", "/keys", "/latency_stats", "/timer_list", "/timer_stats", "/sched_debug", "/scsi",
    ]
    public static let readonlyProcPaths = ["/bus", "/fs", "/irq", "/sys", "/sysrq-trigger"]

    func action(for m: ValidatedMount) -> Action {
        let target = m.effectiveTarget.value
        func flag(_ value: Located<Bool>?, _ def: Bool) -> Bool { value?.value ?? def }
        switch m.kind {
        case .bind(let source):
            return .bind(source: hostPath(source.value), target: target, optional: flag(m.optional, false),
                         recursive: flag(m.recursive, true),
                         flags: MountOptions(readonly: flag(m.readonly, false), nosuid: flag(m.nosuid, false),
                                           nodev: flag(m.nodev, false), noexec: flag(m.noexec, false)),
                         propagation: m.propagation?.value ?? .rprivate)
        case .tmpfs:
            return .tmpfs(target: target, size: m.size?.value, mode: m.mode?.value,
                          flags: MountOptions(readonly: flag(m.readonly, false), nosuid: flag(m.nosuid, true),
                                            nodev: flag(m.nodev, true), noexec: flag(m.noexec, false)))
        case .proc: return .proc(target: target)
        case .sysfs: return .sysfs(target: target, readonly: flag(m.readonly, true))
        case .dev: return .dev(target: target)
        case .devpts: return .devpts(target: target)
        case .mqueue: return .mqueue(target: target)
        case .dir: return .directory(target: target, mode: m.mode?.value)
        case .file: return .file(target: target, content: m.content?.value ?? "", mode: m.mode?.value)
        case .symlink(let link): return .symlink(target: target, link: link.value)
        case .overlay(let lower, let upper):
            return .overlay(target: target, lower: lower.map { hostPath($0.value) }, upper: upper.map { layer($0.value) } ?? .none,
                            userNamespace: newUser)
        }
    }

    /// An overlay's upper layer as the executor makes it: host paths resolved.
    func layer(_ upper: OverlayUpper) -> OverlayLayer {
        switch upper {
        case .tmpfs: .tmpfs
        case .directory(let upper, let work): .directory(upper: hostPath(upper.value), work: hostPath(work.value))
        }
    }

    /// Preflight for an overlay: the upper and work directories exist, and the kernel can do it.
    func overlayChecks(_ upper: OverlayLayer, _ at: SourceLocation, _ add: (Action, SourceLocation) -> Void) {
        if case .directory(let u, let w) = upper {
            add(.checkSource(path: u, optional: false), at)
            add(.checkSource(path: w, optional: false), at)
        }
        add(.checkOverlay(upper: upper, userNamespace: newUser), at)
    }

    /// A host path from the spec: relative ones are relative to the spec file's directory,
    /// and made absolute with the caller's working directory.
    func hostPath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var base = caller.cwd
        if spec.file != "-", let slash = spec.file.lastIndex(of: "/") {
            let dir = String(spec.file[..<slash])
            base = dir.hasPrefix("/") ? dir : join(base, dir)
            if dir.isEmpty { base = "/" }
        }
        return join(base, path)
    }

    private func join(_ a: String, _ b: String) -> String {
        var parts = a.split(separator: "/", omittingEmptySubsequences: true)
        for part in b.split(separator: "/", omittingEmptySubsequences: true) where part != "." { parts.append(part) }
        return "/" + parts.joined(separator: "/")
    }

    // MARK: - Network

    var veths: [ValidatedVeth] { spec.veths }
    /// `network.userMode`, when the sandbox has a net namespace of its own (validation refuses
    /// it otherwise).
    var userMode: UserMode? { spec.creates(.net) ? spec.network?.userMode : nil }
    /// The `userMode:` key's line, for the steps of the whole of it.
    var userModeLocation: SourceLocation { spec.network?.userModeKey ?? spec.network?.userMode?.location ?? networkLocation }

    func pastaPort(_ port: PublishedPort) -> PastaPlan.Port? {
        guard let host = port.host?.value else { return nil }
        return PastaPlan.Port(host: host, inside: port.inside?.value ?? host, proto: port.protocolValue, hostAddress: port.hostAddress?.value)
    }
    var networkLocation: SourceLocation { spec.network?.location ?? namespaceLocation(.net) }

    /// The parent makes each pair once the child is in its network namespace: the host end
    /// here, the peer straight inside. Meanwhile the sandbox goes on with uts and mounts.
    func hostNetwork() -> [Step] {
        guard !veths.isEmpty || userMode != nil else { return [] }
        var steps: [Step] = []
        func add(_ action: Action, _ at: SourceLocation) { steps.append(Step(.hostNetwork, .parent, action, at: at)) }
        if let userMode {
            // The sandbox's namespaces, as fds, for pasta (before the sandbox mounts: its
            // /proc/self is still the one it was made with).
            let user = spec.namespace(.user) != nil
            if user { steps.append(Step(.hostNetwork, sandbox, .handoff(.userNamespaceFd, to: .parent), at: userModeLocation)) }
            steps.append(Step(.hostNetwork, sandbox, .handoff(.netNamespaceFd, to: .parent), at: userModeLocation))
            add(.startPasta(PastaPlan(ports: userMode.ports.compactMap(pastaPort), configure: userMode.outboundValue,
                                      mapGateway: userMode.hostLoopbackValue, dns: userMode.dnsValue, userNamespace: user,
                                      runAsRoot: caller.privileged)),
                userModeLocation)
        } else if !entersPid && !clonesSandbox {
            steps.append(Step(.hostNetwork, .child, .handoff(.netNamespaceReady, to: .parent), at: namespaceLocation(.net)))
        }
        for v in veths {
            add(.createVeth(VethPair(host: v.host?.name.value, peer: v.name.value, mtu: v.mtu?.value, mac: v.mac?.value),
                            peerIn: sandbox),
                v.location)
            guard let host = v.host else { continue }
            let name = host.name.value
            for address in host.addresses { add(.addAddress(interface: name, address.value), address.location) }
            add(.linkUp(name), host.location)
        }
        return steps
    }

    /// lo, then (once the parent has made the pairs) each peer: up first (IPv4 refuses a route through a link that is down), its
    /// addresses, the default route, the other routes. Before the process, which finds the
    /// network ready.
    func insideNetwork() -> [Step] {
        guard spec.creates(.net) else { return [] }
        var steps: [Step] = []
        func add(_ action: Action, _ at: SourceLocation) { steps.append(Step(.network, sandbox, action, at: at)) }
        // lo needs nothing from the parent: up before the wait for the host side.
        if spec.network?.loopback?.value ?? true { add(.loopbackUp, spec.network?.loopback?.location ?? namespaceLocation(.net)) }
        if !veths.isEmpty || userMode != nil {
            steps.append(Step(.network, .parent, .handoff(.hostSideReady, to: sandbox), at: networkLocation))
        }
        if userMode != nil { add(.checkPastaInterface(PastaPlan.interface), userModeLocation) }
        for v in veths {
            let name = v.name.value
            add(.linkUp(name), v.name.location)
            for address in v.addresses { add(.addAddress(interface: name, address.value), address.location) }
            if let gateway = v.gateway { add(.addRoute(interface: name, to: nil, via: gateway.value), gateway.location) }
            for route in v.routes { add(.addRoute(interface: name, to: route.to.value, via: route.via?.value), route.location) }
        }
        return steps
    }

    // MARK: - Process and supervision

    var dieWithParentLocation: SourceLocation { spec.process?.dieWithParent?.location ?? processLocation }

    func process() -> [Step] {
        let p = spec.process
        var steps: [Step] = []
        func add(_ action: Action, _ at: SourceLocation?) {
            steps.append(Step(.process, sandbox, action, at: at ?? processLocation))
        }
        for limit in p?.rlimits ?? [] {
            add(.setRlimit(name: limit.name.value, soft: limit.soft.value, hard: limit.hard.value), limit.name.location)
        }
        if loadsSeccompEarly, let seccomp = seccompPolicy {
            // Without no_new_privs the kernel loads a filter only for a process with
            // CAP_SYS_ADMIN (in its user namespace): before the ids change and the capabilities go.
            // What follows (setgroups, setres*id, capset, prctl, setsid) is in every profile.
            add(.newSessionKeyring, nil)
            add(.loadSeccomp(seccomp), seccompLocation)
        }
        // With setgroups denied the kernel refuses setgroups(2) in the namespace; the caller's
        // supplementary groups then show as the overflow gid and cannot be dropped.
        let groupsAllowed = !newUser || spec.setgroups?.value == .allow
        if groupsAllowed {
            add(.setGroups(p?.groups.map(\.value) ?? [], joinedUserNamespace: spec.namespace(.user)?.path != nil),
                p?.groups.first?.location ?? spec.setgroups?.location)
        }
        if let gid = p?.gid { add(.setGid(gid.value), gid.location) }
        if let uid = p?.uid { add(.setUid(uid.value), uid.location) }
        // `ALL` stays one word in the plan: the executor takes every capability its kernel has.
        let keep = p?.capabilities.map(\.value) ?? []
        add(.capabilities(keep: keep.contains(Capabilities.all) ? [Capabilities.all] : keep), p?.capabilities.first?.location)
        if p?.noNewPrivileges?.value ?? true { add(.noNewPrivileges, p?.noNewPrivileges?.location) }
        // After the uid change, which clears the parent-death signal.
        if dieWithParent { add(.dieWithParent, dieWithParentLocation) }
        if terminal != .never { add(.openTerminal, terminalLocation) }
        add(.newSession, nil)
        if !loadsSeccompEarly {
            add(.newSessionKeyring, nil)
            if let seccomp = seccompPolicy { add(.loadSeccomp(seccomp), seccompLocation) }
        }
        let args = argsOverride ?? p?.args?.value.map(\.value) ?? []
        let env = (p?.env.map { EnvEntry.set($0.name.value, $0.value.value) } ?? [])
            + (p?.passEnv.map { EnvEntry.pass($0.value) } ?? [])
        // A new root starts the process at its top; `root: host` keeps the caller's directory.
        let cwd = p?.cwd?.value ?? (buildsRoot && spec.creates(.mount) ? "/" : nil)
        let execLocation = argsOverride == nil ? p?.args?.location : nil
        if tinyInit {
            add(.spawn(args: args, cwd: cwd, env: env), execLocation)
            add(.reapAndForward, p?.initProcess?.location)
        } else {
            add(.exec(args: args, cwd: cwd, env: env), execLocation)
        }
        return steps
    }

    /// The filters of `process.seccomp` (the default profile when there is no such key).
    let seccompPolicy: SeccompPolicy?
    var seccompLocation: SourceLocation { spec.process?.seccomp?.location ?? processLocation }
    var loadsSeccompEarly: Bool { !(spec.process?.noNewPrivileges?.value ?? true) }

    /// PID 1 is nsspec's own child (cloned by the parent, or by the child with CLONE_PARENT):
    /// nsspec returns its status. The child, once PID 1 exists, has nothing left to do.
    func supervise() -> [Step] {
        var steps: [Step] = []
        if entersPid && !clonesSandbox { steps.append(Step(.supervise, .child, .childExits, at: namespaceLocation(.pid))) }
        let reap: [Actor] = entersPid && !clonesSandbox ? [.child] : []
        steps.append(Step(.supervise, .parent, .supervise(statusOf: sandbox, reap: reap), at: processLocation))
        return steps
    }
}
