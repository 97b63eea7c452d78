import Diagnostics
import SpecFormat
import SyscallFilter

/// `nsspec export --format oci` (issue 19, in progress): the sandbox a plan runs, as an OCI
/// runtime bundle's config.json (runtime-spec 1.1.0). Made from the plan, not the spec, so that
/// every default nsspec applies (the masked /proc paths, the capabilities kept, the env) is
/// carried exactly. What has no OCI equivalent is listed, each at its spec line (`dropped`);
/// what this version does not export yet is refused (`unsupported`).
public struct OCIExport: Sendable {
    public struct Item: Sendable {
        public var location: SourceLocation
        public var message: String
    }

    public struct Failure: Error, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    public var config: JSON = .object([])
    /// Directories, files and symlinks to make in the bundle's rootfs (a tmpfs root's).
    public var rootfsEntries: [Action] = []
    /// True when root.path is the bundle's own `rootfs` (to be made, empty but for the entries).
    public var ownRootfs = false
    public var dropped: [Item] = []
    /// What carries over with a difference worth saying (each printed as a note).
    public var notes: [Item] = []
    /// Directories to make in the bundle (a tmpfs upper layer's upper and work).
    public var bundleDirectories: [String] = []
    public var unsupported: [Item] = []

    /// `environment`: the caller's, for passEnv; `resolveMap`: a map's lines with their outside
    /// ids as this host gives them (`self`, subordinate ranges), or the reason it cannot.
    /// `written`: the keys with a lossy default that the spec wrote itself ("process.init",
    /// "process.dieWithParent"); unwritten, nsspec's default is no loss the spec asked for.
    /// `architecture`: uname's machine (the filter is for this architecture only, as nsspec's).
    /// `bundle`: the bundle's absolute path (an overlay's tmpfs upper layer becomes directories in it).
    public init(plan: Plan, written: Set<String>, architecture: String, bundle: String, environment: (String) -> String?,
                resolveMap: (IDKind, [MapLine]) -> Result<[(inside: UInt32, outside: UInt32, count: UInt32)], Failure>) {
        var namespaces: [JSON] = []
        var uidMappings: [JSON] = [], gidMappings: [JSON] = []
        var hostname: String?, domainname: String?
        var root: [(String, JSON)] = []
        var mounts: [JSON] = []
        var masked: [String] = [], readonlyPaths: [String] = []
        var rlimits: [JSON] = []
        var uid: UInt32 = 0, gid: UInt32 = 0, groups: [UInt32] = []
        var capabilities: [String] = []
        var noNewPrivileges = false
        var terminal = false
        var args: [String] = [], cwd = "/", env: [String] = []
        var rootReadonly = false
        var seccomp: JSON?

        func drop(_ step: Step, _ what: String) {
            // Once per thing lost, at its first line (a veth's several steps are one loss).
            if !dropped.contains(where: { $0.message == what }) {
                dropped.append(Item(location: step.location, message: what))
            }
        }
        func refuse(_ step: Step, _ what: String) { unsupported.append(Item(location: step.location, message: what)) }
        func namespace(_ kind: NamespaceKind, path: String? = nil) {
            let type = Self.namespaceTypes[kind] ?? kind.rawValue
            var entry: [(String, JSON)] = [("type", .string(type))]
            if let path { entry.append(("path", .string(path))) }
            namespaces.append(.object(entry))
        }

        for step in plan.steps {
            switch step.action {
            case .clone(_, let kinds): for kind in kinds { namespace(kind) }
            case .unshare(let kind): namespace(kind)
            case .join(let kind, let path): namespace(kind, path: path)
            case .writeMap(let kind, let lines, _, _):
                switch resolveMap(kind, lines) {
                case .failure(let failure): refuse(step, "the \(kind.rawValue) map: \(failure.message)")
                case .success(let resolved):
                    for line in resolved {
                        let entry = JSON.object([("containerID", .uint(UInt64(line.inside))), ("hostID", .uint(UInt64(line.outside))),
                                                 ("size", .uint(UInt64(line.count)))])
                        if kind == .uid { uidMappings.append(entry) } else { gidMappings.append(entry) }
                    }
                }
            case .setHostname(let name): hostname = name
            case .setDomainname(let name): domainname = name
            case .mountRootTmpfs:
                ownRootfs = true
                root = [("path", .string("rootfs"))]
            case .bindRoot(let path, let readonly):
                root = [("path", .string(path))]
                rootReadonly = rootReadonly || readonly
            case .remountRootReadonly: rootReadonly = true
            case .readonlyHostTree, .makeRootPrivate, .enterStaging, .pivotRoot:
                break
            case .bind(let source, let target, _, let recursive, let flags, let propagation):
                var options = [recursive ? "rbind" : "bind"] + Self.flagOptions(flags)
                options.append(propagation.rawValue)
                mounts.append(Self.mount(target, "bind", source, options))
            case .tmpfs(let target, let size, let mode, let flags):
                var options = Self.flagOptions(flags)
                if let mode { options.append("mode=0" + String(mode, radix: 8)) }
                switch size {
                case .bytes(let n)?: options.append("size=\(n)")
                case .percent(let p)?: options.append("size=\(p)%")
                case nil: break
                }
                mounts.append(Self.mount(target, "tmpfs", "tmpfs", options))
            case .proc(let target): mounts.append(Self.mount(target, "proc", "proc", ["nosuid", "noexec", "nodev"]))
            case .sysfs(let target, let readonly):
                mounts.append(Self.mount(target, "sysfs", "sysfs", ["nosuid", "noexec", "nodev"] + (readonly ? ["ro"] : [])))
            case .devpts(let target):
                mounts.append(Self.mount(target, "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]))
            case .mqueue(let target): mounts.append(Self.mount(target, "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]))
            case .dev(let target):
                // nsspec's dev: a tmpfs with the usual nodes bound from the host's, and a devpts;
                // a runtime makes the default devices (null, zero, full, random, urandom, tty) itself.
                mounts.append(Self.mount(target, "tmpfs", "tmpfs", ["nosuid", "noexec", "mode=0755", "size=65536"]))
                mounts.append(Self.mount(target + "/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]))
            case .directory, .file, .symlink:
                if ownRootfs { rootfsEntries.append(step.action) } else {
                    refuse(step, "\(step.action.summary): made in the root, which is a host directory here; the export writes only into a bundle's own rootfs")
                }
            case .maskPaths(let paths): masked += paths
            case .readonlyPaths(let paths): readonlyPaths += paths
            case .overlayRoot:
                root = [("path", .string("rootfs"))]
                refuse(step, "an overlay root: a bundle's root is a directory, which a runtime does not mount; mount the overlay on "
                       + "DIR/rootfs first (mount -t overlay overlay -o lowerdir=…,upperdir=…,workdir=… DIR/rootfs), or use root: {path: LOWER}")
            case .overlay(let target, let lower, let upper, let userNamespace):
                var options = ["lowerdir=" + lower.map(OverlayLayer.escaped).joined(separator: ":")]
                switch upper {
                case .none where lower.count == 1:
                    // As nsspec mounts it: overlayfs wants two lowers without an upper.
                    mounts.append(Self.mount(target, "bind", lower[0], ["rbind", "ro", "rprivate"]))
                    continue
                case .none:
                    options.append("ro")
                case .directory(let u, let w):
                    options += ["upperdir=" + OverlayLayer.escaped(u), "workdir=" + OverlayLayer.escaped(w)]
                case .tmpfs:
                    let dir = "\(bundle)/overlay-\(bundleDirectories.count / 2 + 1)"
                    bundleDirectories += [dir + "/upper", dir + "/work"]
                    options += ["upperdir=" + OverlayLayer.escaped(dir + "/upper"), "workdir=" + OverlayLayer.escaped(dir + "/work")]
                    notes.append(Item(location: step.location, message: "overlay at \(target), upper: tmpfs: its upper and work "
                                      + "directories are \(dir)/{upper,work} in the bundle, so the writes stay there after a run "
                                      + "(nsspec's go with the sandbox)"))
                }
                if userNamespace { options.append("userxattr") }
                mounts.append(Self.mount(target, "overlay", "overlay", options))
            case .resolvConf:
                break  // part of userMode, dropped below
            case .setRlimit(let name, let soft, let hard):
                rlimits.append(.object([("type", .string("RLIMIT_" + name.uppercased())), ("hard", Self.limit(hard)), ("soft", Self.limit(soft))]))
            case .setGroups(let list, _): groups = list
            case .setGid(let g): gid = g
            case .setUid(let u): uid = u
            case .capabilities(let keep): capabilities = keep == [Capabilities.all] ? Capabilities.names : keep
            case .noNewPrivileges: noNewPrivileges = true
            case .checkTerminal(let required): terminal = required
            case .compileSeccomp(let policy):
                let (profile, lost) = Self.seccomp(policy, architecture: architecture)
                seccomp = profile
                if let lost { drop(step, lost) }
            case .exec(let a, let c, let e), .spawn(let a, let c, let e):
                args = a
                cwd = c ?? "/"
                env = e.compactMap { entry in
                    switch entry {
                    case .set(let name, let value): return name + "=" + value
                    case .pass(let name): return environment(name).map { name + "=" + $0 }
                    }
                }
            case .createVeth, .checkNetworkAdmin, .checkHostInterface, .checkHostAddresses:
                drop(step, "network.veth: an OCI runtime makes no veth pair (a CNI plugin or the engine does)")
            case .checkPasta, .checkTun, .checkHostPort, .startPasta, .checkPastaInterface:
                drop(step, "network.userMode: an OCI runtime starts no pasta (podman does, with its own --network pasta)")
            case .reapAndForward where written.contains("process.init"):
                drop(step, "nsspec's tiny init (process.init): the runtime's process is PID 1 (use the engine's --init)")
            case .dieWithParent where written.contains("process.dieWithParent"):
                drop(step, "process.dieWithParent: the runtime keeps no parent to die with")
            default:
                break
            }
        }
        if root.isEmpty {
            // root: host, or no mount namespace: a runtime always pivots into root.path.
            let at = plan.steps.first { if case .readonlyHostTree = $0.action { true } else { false } }?.location
                ?? SourceLocation(file: plan.file, line: 1, column: 1)
            unsupported.append(Item(location: at, message: "the host's own tree as the root (no 'root', or root: host): an OCI runtime pivots into "
                                    + "a root directory of the bundle's; set root: tmpfs (with the host paths bound in) or a directory"))
        }
        root.append(("readonly", .bool(rootReadonly)))

        var process: [(String, JSON)] = [("terminal", .bool(terminal))]
        var user: [(String, JSON)] = [("uid", .uint(UInt64(uid))), ("gid", .uint(UInt64(gid)))]
        if !groups.isEmpty { user.append(("additionalGids", .array(groups.map { .uint(UInt64($0)) }))) }
        process.append(("user", .object(user)))
        process.append(("args", .array(args.map(JSON.string))))
        process.append(("env", .array(env.map(JSON.string))))
        process.append(("cwd", .string(cwd)))
        let caps = JSON.array(capabilities.map(JSON.string))
        process.append(("capabilities", .object([("bounding", caps), ("effective", caps), ("inheritable", caps), ("permitted", caps), ("ambient", caps)])))
        if !rlimits.isEmpty { process.append(("rlimits", .array(rlimits))) }
        process.append(("noNewPrivileges", .bool(noNewPrivileges)))

        var linux: [(String, JSON)] = []
        if !uidMappings.isEmpty { linux.append(("uidMappings", .array(uidMappings))) }
        if !gidMappings.isEmpty { linux.append(("gidMappings", .array(gidMappings))) }
        linux.append(("namespaces", .array(namespaces)))
        if !masked.isEmpty { linux.append(("maskedPaths", .array(masked.map(JSON.string)))) }
        if !readonlyPaths.isEmpty { linux.append(("readonlyPaths", .array(readonlyPaths.map(JSON.string)))) }
        if let seccomp { linux.append(("seccomp", seccomp)) }

        var top: [(String, JSON)] = [("ociVersion", .string(Self.ociVersion)), ("process", .object(process)), ("root", .object(root))]
        if let hostname { top.append(("hostname", .string(hostname))) }
        if let domainname { top.append(("domainname", .string(domainname))) }
        top.append(("mounts", .array(mounts)))
        top.append(("linux", .object(linux)))
        config = .object(top)
    }

    public static let ociVersion = "1.1.0"

    /// The policy's filters as one OCI seccomp profile. The first filter carries over exactly
    /// (its default, each rule, an argument condition as SCMP_CMP_MASKED_EQ); a second filter —
    /// nsspec's refusals of ioctl TIOCSTI/TIOCLINUX and socket AF_VSOCK in what the first allows —
    /// cannot: OCI has one filter, and one rule that allows ioctl but not those requests would
    /// compare all 64 bits of the argument, which a caller fills as it likes (the kernel reads 32).
    static func seccomp(_ policy: SeccompPolicy, architecture: String) -> (JSON?, String?) {
        let filters = policy.expanded.filters
        guard let first = filters.first else { return (nil, nil) }
        if first.defaultAction == .allow && first.rules.isEmpty && filters.count == 1 { return (nil, nil) }
        var syscalls: [JSON] = []
        var pending: (action: FilterAction, names: [String])?
        func flush() {
            if let p = pending { syscalls.append(.object([("names", .array(p.names.map(JSON.string)))] + action(p.action))) }
            pending = nil
        }
        for rule in first.rules {
            if rule.conditions.isEmpty {
                if pending?.action == rule.action { pending!.names.append(rule.name) } else {
                    flush()
                    pending = (rule.action, [rule.name])
                }
                continue
            }
            flush()
            let args = rule.conditions.map { c -> JSON in
                c.mask == ~0
                    ? .object([("index", .uint(UInt64(c.argument))), ("value", .uint(c.value)), ("op", .string("SCMP_CMP_EQ"))])
                    : .object([("index", .uint(UInt64(c.argument))), ("value", .uint(c.mask)), ("valueTwo", .uint(c.value)),
                               ("op", .string("SCMP_CMP_MASKED_EQ"))])
            }
            syscalls.append(.object([("names", .array([.string(rule.name)]))] + action(rule.action) + [("args", .array(args))]))
        }
        flush()
        var profile: [(String, JSON)] = action(first.defaultAction).map { ($0.0 == "action" ? "defaultAction" : "defaultErrnoRet", $0.1) }
        let arch: String? = switch architecture {
        case "x86_64": "SCMP_ARCH_X86_64"
        case "aarch64": "SCMP_ARCH_AARCH64"
        case "riscv64": "SCMP_ARCH_RISCV64"
        case "ppc64le": "SCMP_ARCH_PPC64LE"
        case "s390x": "SCMP_ARCH_S390X"
        default: nil
        }
        if let arch { profile.append(("architectures", .array([.string(arch)]))) }
        profile.append(("syscalls", .array(syscalls)))
        let refused = filters.dropFirst().flatMap(\.rules).map { rule in
            rule.name + rule.conditions.map { " (\($0))" }.joined()
        }
        let lost = refused.isEmpty ? nil
            : "seccomp: nsspec's second filter (refusing " + refused.joined(separator: ", ") + ") has no OCI form: "
                + "OCI has one filter, and its rule would compare the argument's 64 bits, which a caller fills as it likes"
        return (.object(profile), lost)
    }

    static func action(_ a: FilterAction) -> [(String, JSON)] {
        switch a {
        case .allow: [("action", .string("SCMP_ACT_ALLOW"))]
        case .deny: [("action", .string("SCMP_ACT_ERRNO")), ("errnoRet", .uint(1))]
        case .notImplemented: [("action", .string("SCMP_ACT_ERRNO")), ("errnoRet", .uint(38))]
        }
    }

    static let namespaceTypes: [NamespaceKind: String] = [.net: "network", .mount: "mount", .pid: "pid", .ipc: "ipc", .uts: "uts",
                                                          .user: "user", .cgroup: "cgroup", .time: "time"]

    static func mount(_ destination: String, _ type: String, _ source: String, _ options: [String]) -> JSON {
        .object([("destination", .string(destination)), ("type", .string(type)), ("source", .string(source)),
                 ("options", .array(options.map(JSON.string)))])
    }

    static func flagOptions(_ f: MountOptions) -> [String] {
        (f.readonly ? ["ro"] : []) + (f.nosuid ? ["nosuid"] : []) + (f.nodev ? ["nodev"] : []) + (f.noexec ? ["noexec"] : [])
    }

    static func limit(_ v: Rlimit.Value) -> JSON {
        switch v {
        case .limit(let n): .uint(n)
        case .unlimited: .uint(UInt64.max)
        }
    }
}
