import Diagnostics
import SpecFormat
import SyscallFilter

/// Who performs a step. `parent` is nsspec itself, on the host, from start to end. `child` is
/// forked by the parent and enters the new namespaces. `init` is forked by the child into the
/// pid namespace (new or joined): the sandbox's PID 1 in a new one. As a tiny init (`init: true`)
/// it spawns the process and stays; otherwise it becomes the process.
public enum Actor: String, Sendable, CaseIterable {
    case parent, child, `init`
}

/// The stages of DESIGN §3, in the order they run: every plan lists its steps in this order of
/// their stages (PlanTests checks it). `sandboxProcess` makes the first process of the sandbox
/// (the child, or PID 1 cloned into all its namespaces); `userNamespace` enters the user
/// namespace when that is a step of its own; `namespaces` are the others, owned by it.
public enum Stage: String, Sendable, CaseIterable, Comparable {
    case preflight, sandboxProcess = "sandbox process", userNamespace = "user namespace", idmaps = "id maps", namespaces
    case hostNetwork = "host network", uts, mounts, network, process, supervise

    public static func < (a: Stage, b: Stage) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

public enum IDKind: String, Sendable { case uid, gid }

/// One line of an id map. `subordinate` lines are resolved at run time from /etc/subuid or
/// /etc/subgid, since that is host state.
public struct MapLine: Sendable, Equatable {
    public var inside: UInt32
    public var outside: IDMapEntry.Outside
    public var count: UInt32
}

/// A message between two processes of the run: the step's actor sends it, the step names who
/// receives it (and waits for it).
public enum Handoff: String, Sendable {
    /// child -> parent: the user namespace exists; write its maps.
    case userNamespaceReady = "user namespace ready"
    /// parent -> child: the maps are written; go on.
    case mapsWritten = "maps written"
    /// child -> parent: the pid (in the host's pid namespace) of the sandbox's PID 1.
    case initPid = "init pid"
    /// child -> parent: the child is in its network namespace (when no init pid says so).
    case netNamespaceReady = "net namespace ready"
    /// parent -> sandbox: the host ends of the veth pairs are made (and pasta has set up the
    /// tap); configure the peers.
    case hostSideReady = "host side ready"
    /// sandbox -> parent: its user namespace, as an fd (for pasta).
    case userNamespaceFd = "user namespace fd"
    /// sandbox -> parent: its net namespace, as an fd (for pasta).
    case netNamespaceFd = "net namespace fd"
}

/// A veth pair as the plan makes it: the host end (kernel-named when the spec gives no host
/// name) and the peer, created directly in the sandbox's network namespace with its name, MTU
/// and MAC.
public struct VethPair: Sendable, Equatable {
    public var host: String?
    public var peer: String
    public var mtu: Int?
    public var mac: MACAddress?
}

/// pasta, as the plan runs it for `network.userMode` (docs/user-mode-networking.md).
public struct PastaPlan: Sendable, Equatable {
    public struct Port: Sendable, Equatable {
        public var host: Int
        public var inside: Int
        public var proto: PortProtocol
        public var hostAddress: IPAddress?
        public init(host: Int, inside: Int, proto: PortProtocol, hostAddress: IPAddress?) {
            self.host = host
            self.inside = inside
            self.proto = proto
            self.hostAddress = hostAddress
        }

        /// pasta's spelling: `[ADDRESS/]HOST:INSIDE`.
        public var pastaSpec: String { (hostAddress.map { "\($0)/" } ?? "") + "\(host):\(inside)" }
        /// `8080/tcp`, `127.0.0.1:5353/udp` for messages.
        public var shown: String { (hostAddress.map { $0.isV4 ? "\($0):" : "[\($0)]:" } ?? "") + "\(host)/\(proto.rawValue)" }
    }

    public var ports: [Port]
    /// `outbound`: pasta configures the tap (address, routes); without it nothing leaves.
    public var configure: Bool
    /// `hostLoopback`: the gateway address reaches the host's loopback.
    public var mapGateway: Bool
    /// `dns`: queries to `dnsAddress` go to the host's resolver.
    public var dns: Bool
    /// The sandbox has a user namespace (new or joined): pasta joins it before the net one.
    public var userNamespace: Bool
    /// nsspec runs as root: pasta stays root (its default, `nobody`, cannot open a user
    /// namespace that root owns); it drops its capabilities itself.
    public var runAsRoot: Bool

    public init(ports: [Port], configure: Bool, mapGateway: Bool, dns: Bool, userNamespace: Bool, runAsRoot: Bool) {
        self.ports = ports
        self.configure = configure
        self.mapGateway = mapGateway
        self.dns = dns
        self.userNamespace = userNamespace
        self.runAsRoot = runAsRoot
    }

    /// The name of pasta's tap in the sandbox (pasta's default is the host's interface's name,
    /// which differs from host to host).
    public static let interface = "eth0"

    /// The address the sandbox's resolv.conf names: link-local, as podman's pasta setup uses.
    public static let dnsAddress = "169.254.1.1"

    /// The fds pasta gets: its pid file (nsspec's "ready": pasta writes its pid there once the
    /// namespace is set up), then the sandbox's user namespace (when it has one) and its net
    /// namespace, which the sandbox opened and passed to nsspec (a PID 1 that is not dumpable
    /// hides its /proc/PID/ns links from a caller without root).
    public static let pidFileFd: Int32 = 3
    public var netNamespaceFd: Int32 { userNamespace ? 5 : 4 }

    /// pasta's arguments after its name: every automatic forwarding off but the spec's ports;
    /// quiet; in the foreground, so that it stays nsspec's child.
    public var arguments: [String] {
        var args = ["--foreground", "--quiet", "--ns-ifname", Self.interface]
        if configure { args.append("--config-net") }
        for (option, proto) in [("--tcp-ports", PortProtocol.tcp), ("--udp-ports", .udp)] {
            let mine = ports.filter { $0.proto == proto }
            if mine.isEmpty { args += [option, "none"] }
            for port in mine { args += [option, port.pastaSpec] }
        }
        args += ["--tcp-ns", "none", "--udp-ns", "none"]
        if !mapGateway { args.append("--no-map-gw") }
        if dns { args += ["--dns-forward", Self.dnsAddress] }
        if runAsRoot { args += ["--runas", "0"] }
        args += ["--pid", "/proc/self/fd/\(Self.pidFileFd)"]
        if userNamespace { args += ["--userns", "/proc/self/fd/4"] }
        args += ["--netns", "/proc/self/fd/\(netNamespaceFd)"]
        return args
    }
}

/// How a bind-like mount is flagged, as the spec says.
public struct MountOptions: Sendable, Equatable {
    public var readonly = false
    public var nosuid = false
    public var nodev = false
    public var noexec = false
    public init(readonly: Bool = false, nosuid: Bool = false, nodev: Bool = false, noexec: Bool = false) {
        self.readonly = readonly
        self.nosuid = nosuid
        self.nodev = nodev
        self.noexec = noexec
    }
}

/// An environment variable of the process: a value from the spec, or passed from the caller.
public enum EnvEntry: Sendable, Equatable {
    case set(String, String)
    case pass(String)
}

/// Where an overlay's writes go, as the executor makes it.
public enum OverlayLayer: Sendable, Equatable {
    /// None: a read-only union of the lower layers.
    case none
    /// A tmpfs of the overlay's own (upper and work made in it), gone when the sandbox is.
    case tmpfs
    /// Host directories on one filesystem: `upper` keeps the writes, `work` is overlayfs's.
    case directory(upper: String, work: String)

    /// A path in overlayfs's options, which it splits at ',' and its lowers at ':': both, and
    /// the escape itself, escaped with '\\' (the executor's mount and the OCI export's).
    public static func escaped(_ path: String) -> String {
        var out = ""
        for c in path {
            if c == "\\" || c == "," || c == ":" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

/// What a step does. Paths inside the sandbox are absolute; host paths are as the spec resolves
/// them (relative to the spec's directory).
public enum Action: Sendable, Equatable {
    // preflight
    case checkMapHelper(IDKind)
    case checkSubordinateRange(IDKind, count: UInt64)
    case checkSource(path: String, optional: Bool)
    /// A namespace to join exists at its path (`/proc/PID/ns/net`, `/run/netns/NAME`).
    case checkNamespacePath(NamespaceKind, path: String)
    /// The kernel mounts overlayfs here (in a user namespace: Linux 5.11+), and a directory upper
    /// and work are directories on one filesystem.
    case checkOverlay(upper: OverlayLayer, userNamespace: Bool)
    /// With `root: host`: a mount's target exists on the host (nsspec creates nothing there),
    /// and is a directory when a filesystem is mounted on it.
    case checkTarget(path: String, directory: Bool)
    /// nsspec goes on from a sealed memfd copy of its binary (re-exec'd, first of all): the
    /// sandbox may outlive every process that runs nsspec's own file, which it could then
    /// reopen for writing through a /proc/PID/exe it kept (CVE-2019-5736).
    case runFromSealedCopy
    // processes and the socket pair between them
    /// The parent's socket pair to the sandbox: reports (handoffs, PID 1's pid, failures) come
    /// back on it, and its end of file says every process of the sandbox has exec'd or exited.
    case openChannel
    /// Before making PID 1, which arms its parent-death signal only once it runs: a pidfd of
    /// nsspec, through which PID 1 sees whether nsspec died before that.
    case watchParent
    case fork(Actor)
    /// One clone(2) that makes the process already inside these new namespaces (PID 1 with a new
    /// pid namespace): what fork + unshare do in several steps, when nothing is joined.
    case clone(Actor, [NamespaceKind])
    case dieWithParent
    /// PR_SET_DUMPABLE 0 for PID 1, which runs nsspec's own image inside the sandbox until the
    /// process is exec'd (for ever, as a tiny init): no ptrace from the sandbox, no
    /// /proc/1/exe (CVE-2019-5736). After the id maps: a non-dumpable process's /proc files
    /// (its uid_map) are root's.
    case notDumpable
    /// The step's actor sends it to `to`, which waits for it.
    case handoff(Handoff, to: Actor)
    // namespaces
    case unshare(NamespaceKind)
    case join(NamespaceKind, path: String)
    // id maps, of the user namespace of the process `of` (the step's actor's own, or another's)
    case writeSetgroups(SetgroupsPolicy, of: Actor)
    /// `helper`: through newuidmap/newgidmap, for ids the caller may not map itself.
    case writeMap(IDKind, [MapLine], helper: Bool, of: Actor)
    /// The caller's own id (`caller`) is not in the map: the kernel would refuse to create
    /// anything in its name (EOVERFLOW) and show it as the overflow id. Right after the maps, by
    /// the process that owns the user namespace, setresuid/setresgid to the mapped id `to`
    /// (inside 0, else the lowest inside id of the map), its capabilities kept; the sandbox is
    /// built, and the process runs, as that id (unless `process.uid`/`gid` say otherwise).
    case adoptMappedID(IDKind, caller: UInt32, to: UInt32)
    // uts
    case setHostname(String)
    case setDomainname(String)
    // mounts
    case makeRootPrivate
    case enterStaging
    case mountRootTmpfs
    case bindRoot(path: String, readonly: Bool)
    /// The root as an overlay: `lower` (a host directory, never written) under `upper`, at
    /// /newroot; mount points are then made in the upper layer.
    case overlayRoot(lower: String, upper: OverlayLayer, userNamespace: Bool)
    /// An overlay at `target`: `lower` top first (host paths), writes to `upper`.
    case overlay(target: String, lower: [String], upper: OverlayLayer, userNamespace: Bool)
    case bind(source: String, target: String, optional: Bool, recursive: Bool, flags: MountOptions, propagation: Propagation)
    case tmpfs(target: String, size: Size?, mode: UInt32?, flags: MountOptions)
    case proc(target: String)
    case sysfs(target: String, readonly: Bool)
    case dev(target: String)
    case devpts(target: String)
    case mqueue(target: String)
    case directory(target: String, mode: UInt32?)
    case file(target: String, content: String, mode: UInt32?)
    /// `network.userMode.dns`: a resolv.conf naming pasta's DNS forwarder, bound over the
    /// sandbox's /etc/resolv.conf (made on a tmpfs of nsspec's, never in a host file).
    case resolvConf(nameserver: String)
    case symlink(target: String, link: String)
    case maskPaths([String])
    case readonlyPaths([String])
    case pivotRoot
    case remountRootReadonly
    /// With `root: host` and `readonlyRoot`: the host's whole tree read-only (every mount under
    /// /), before the table, whose own mounts are then writable as they say.
    case readonlyHostTree
    // network
    /// The parent may create links in the host's network namespace (CAP_NET_ADMIN there).
    case checkNetworkAdmin
    /// No interface of this name on the host (one nsspec left behind, being removed by the
    /// kernel, is waited for).
    case checkHostInterface(String)
    /// No host interface has these addresses, or a subnet overlapping theirs.
    case checkHostAddresses([CIDR])
    /// The peer is made in the network namespace of the process `peerIn`.
    case createVeth(VethPair, peerIn: Actor)
    /// On the host end (by the parent) or inside (by the sandbox).
    case addAddress(interface: String, CIDR)
    case linkUp(String)
    /// `to` nil: the default route.
    case addRoute(interface: String, to: CIDR?, via: IPAddress?)
    case loopbackUp
    /// pasta's executable is found (PATH, else /usr/bin, /usr/sbin, /usr/local/bin).
    case checkPasta
    /// /dev/net/tun opens for the caller (pasta makes its tap with it).
    case checkTun
    /// The host port is free, and the caller may listen on it.
    case checkHostPort(PastaPlan.Port)
    /// The parent starts pasta on the sandbox's network namespace and waits until it has set
    /// it up; pasta ends with the sandbox (the parent kills it), and on every failure.
    case startPasta(PastaPlan)
    /// In the sandbox, once pasta is ready: its tap is there (a pasta that said ready and did
    /// not make it, or died, is caught before the process starts).
    case checkPastaInterface(String)
    // process
    case setRlimit(name: String, soft: Rlimit.Value, hard: Rlimit.Value)
    /// `joinedUserNamespace`: the user namespace is joined, and may deny setgroups(2) (as
    /// `unshare -r` leaves it); an empty list is then no error.
    case setGroups([UInt32], joinedUserNamespace: Bool)
    case setGid(UInt32)
    case setUid(UInt32)
    case capabilities(keep: [String])
    case noNewPrivileges
    case newSession
    /// A session keyring of the sandbox's own: the caller's keys are out of its reach, and the
    /// keys it adds go with it.
    case newSessionKeyring
    /// `process.terminal`: whether nsspec's standard input is a terminal, which decides the
    /// terminal steps that follow (`auto`); `required` (`true`): an error when it is not.
    case checkTerminal(required: Bool)
    /// With a terminal, when the table mounts no devpts at /dev/pts: a devpts of the sandbox's
    /// own on a detached mount, attached nowhere, for its pty (while the capabilities allow it).
    case privateDevpts
    /// With a terminal: a pty from the sandbox's devpts; the master to nsspec (SCM_RIGHTS), the
    /// slave kept for the process, whose controlling terminal and fds 0, 1, 2 it becomes.
    case openTerminal
    /// Before any fork, by the parent: the filters compiled to BPF (libseccomp allocates).
    case compileSeccomp(SeccompPolicy)
    /// By the sandbox, last before the process starts (after no_new_privs): the filters loaded.
    case loadSeccomp(SeccompPolicy)
    case exec(args: [String], cwd: String?, env: [EnvEntry])
    /// As exec, but in a new process started with posix_spawn (vfork: nsspec's memory is not
    /// copied), for a tiny init that stays as PID 1.
    case spawn(args: [String], cwd: String?, env: [EnvEntry])
    case reapAndForward
    /// The child, once PID 1 exists: PID 1 is nsspec's own child (CLONE_PARENT), so the child
    /// has nothing left to do.
    case childExits
    // supervise
    /// Wait for `reap` (processes with nothing left to do), then for `statusOf`, whose status
    /// nsspec returns.
    case supervise(statusOf: Actor, reap: [Actor])
}

extension Action {
    /// The process a handoff is addressed to (nil for every other action).
    public var receiver: Actor? {
        if case .handoff(_, let to) = self { return to }
        return nil
    }
}

public struct Step: Sendable, Equatable {
    public var stage: Stage
    public var actor: Actor
    public var action: Action
    /// The spec text this step comes from (the whole file, line 0, for steps no key asked for).
    public var location: SourceLocation

    public init(_ stage: Stage, _ actor: Actor, _ action: Action, at location: SourceLocation) {
        self.stage = stage
        self.actor = actor
        self.action = action
        self.location = location
    }
}

/// Everything `nsspec run` does, in order. A value: printing it is `nsspec plan`, executing it
/// is `nsspec run`, and both come from the same `Planner.plan`.
public struct Plan: Sendable, Equatable {
    public var file: String
    public var name: String?
    public var steps: [Step]
    /// Who the plan was made for (the executor resolves `self` and host paths with it).
    public var caller: Caller
}
