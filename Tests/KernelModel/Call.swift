import System
import SyscallFilter

/// One call nsspec made to the kernel, with its arguments: an entry of `FakeKernel.trace`.
/// Typed, so that tests compare and select calls by value; rendered as text only for the
/// golden files.
public enum Call: Equatable, Sendable {
    // host state
    case read(String)
    case stat(String)
    case realpath(String)
    case access(String)
    case uname
    case probe(String)
    case getFileCapabilities(String)
    // processes and the sockets between them
    case clone(CloneFlags, name: String)
    case pidfdOpen(Int32)
    case pidfdPoll(Int32)
    case socketPair
    case close(Int32)
    case send(Message, passing: Int32?, on: Int32)
    case receive(on: Int32)
    case waitpid(Int32)
    case waitAny
    case kill(Int32, Signal)
    case helper(String, [String])
    /// A helper daemon (pasta), with the fds passed to it.
    case startHelper(String, [String], passing: [Int32])
    case readLine(Int32)
    case probePort(PortProbe)
    case probeOpen(String)
    case forwardSignals([Signal], to: Int32)
    case ignoreSignals([Signal])
    case defaultSignals([Signal])
    case resetSignals
    // namespaces and maps
    case unshare(CloneFlags)
    case setns(String, CloneFlags)
    /// ioctl(NS_GET_USERNS) (and NS_GET_OWNER_UID) of the namespace at a path.
    case namespaceOwner(String)
    /// stat of a namespace file, for its inode.
    case namespaceInode(String)
    case writeFile(String, String)
    case sethostname(String)
    case setdomainname(String)
    // mounts
    case mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?)
    case mountSetattr(String, recursive: Bool, set: MountAttributes, clear: MountAttributes, propagation: MountFlags)
    case bindTree(String, onto: String, recursive: Bool, set: MountAttributes, clear: MountAttributes, propagation: MountFlags)
    case umount(String, detach: Bool)
    case mkdir(String, mode: UInt32)
    case pivotRoot(String, String)
    case chdir(String)
    case getcwd
    case open(String, OpenFlags)
    case openInRoot(Int32, String, OpenFlags)
    case openBeneath(Int32, String, OpenFlags)
    case reexecSealed
    case mkdirAt(Int32, String, mode: UInt32)
    case symlinkAt(String, Int32, String)
    case readlinkAt(Int32, String)
    case writeAll(Int32, bytes: Int)
    case fchmod(Int32, UInt32)
    // network: each netlink transaction with the parts of its request
    case netlinkSocket
    case getLink(LinkKey)
    case createVeth(VethRequest)
    case setLink(String, up: Bool, alias: String?)
    case addAddress(InterfaceAddress, interface: String, index: Int32)
    case addRoute(RouteRequest, interface: String, index: Int32)
    case deleteLink(String, index: Int32)
    case dumpAddresses
    case capget(Capability)
    case processExists(Int32)
    case sleep(Int)
    // credentials and the process
    case setrlimit(Int32, soft: UInt64, hard: UInt64)
    case setgroups([UInt32])
    case setresgid(UInt32)
    case setresuid(UInt32)
    case raiseEffectiveCapabilities
    case dropBoundingSet(keeping: [Int32])
    case setCapabilities([Int32])
    case setAmbientCapabilities([Int32])
    case noNewPrivileges
    case notDumpable
    case parentDeathSignal(Signal)
    case setsid
    case joinSessionKeyring
    case compileSeccomp(default: FilterAction, rules: Int)
    case loadSeccomp(instructions: Int)
    case closeOnExec(from: Int32)
    case closeRange(from: Int32, keeping: [Int32])
    case spawn(String, [String], env: [String])
    case execve(String, [String], env: [String])

    /// Calls that report nothing nsspec could act on (close, kill, signal dispositions, probes)
    /// never fail in the model; a read of a socket pair does not fail either (its end of file is
    /// modelled). Every other call can be chosen to fail.
    public var canFail: Bool {
        switch self {
        case .access, .uname, .probe, .pidfdPoll, .close, .kill, .forwardSignals, .ignoreSignals, .defaultSignals, .resetSignals, .capget, .processExists,
             .sleep, .receive:
            false
        default:
            true
        }
    }

    /// The operation's name in an error, as the Linux implementation names it.
    public var op: String {
        switch self {
        case .read, .open, .openInRoot, .openBeneath: "open"
        case .namespaceOwner: "ioctl(NS_GET_USERNS)"
        case .namespaceInode: "stat"
        case .writeFile, .writeAll: "write"
        case .clone: "clone3"
        case .pidfdOpen: "pidfd_open"
        case .socketPair: "socketpair"
        case .send: "sendmsg"
        case .receive: "recvmsg"
        case .waitpid, .waitAny: "waitpid"
        case .helper, .spawn: "posix_spawn"
        case .startHelper: "fork"
        case .umount: "umount2"
        case .pivotRoot: "pivot_root"
        case .mkdirAt: "mkdir"
        case .symlinkAt: "symlink"
        case .readlinkAt: "readlink"
        case .netlinkSocket: "socket"
        case .getLink: "RTM_GETLINK"
        case .createVeth, .setLink: "RTM_NEWLINK"
        case .addAddress: "RTM_NEWADDR"
        case .addRoute: "RTM_NEWROUTE"
        case .deleteLink: "RTM_DELLINK"
        case .dumpAddresses: "RTM_GETADDR"
        case .raiseEffectiveCapabilities, .setCapabilities: "capset"
        case .dropBoundingSet: "prctl(PR_CAPBSET_DROP)"
        case .setAmbientCapabilities: "prctl(PR_CAP_AMBIENT_CLEAR_ALL)"
        case .noNewPrivileges: "prctl(PR_SET_NO_NEW_PRIVS)"
        case .notDumpable: "prctl(PR_SET_DUMPABLE)"
        case .parentDeathSignal: "prctl(PR_SET_PDEATHSIG)"
        case .closeOnExec, .closeRange: "close_range"
        case .joinSessionKeyring: "keyctl(KEYCTL_JOIN_SESSION_KEYRING)"
        case .compileSeccomp: "seccomp_export_bpf"
        case .loadSeccomp: "seccomp(SECCOMP_SET_MODE_FILTER)"
        case .mountSetattr: "mount_setattr"
        case .bindTree: "open_tree"
        default: String(text.prefix { $0 != " " })
        }
    }

    /// The system call a loaded seccomp filter judges this call by (for the calls whose order
    /// against the filter matters: nsspec's own setup must come before it).
    public var syscallName: String? {
        switch self {
        case .sethostname: "sethostname"
        case .setdomainname: "setdomainname"
        case .mount: "mount"
        case .mountSetattr: "mount_setattr"
        case .bindTree: "open_tree"
        case .umount: "umount2"
        case .pivotRoot: "pivot_root"
        case .unshare: "unshare"
        case .setns: "setns"
        case .joinSessionKeyring: "keyctl"
        case .setgroups: "setgroups"
        case .setresuid: "setresuid"
        case .setresgid: "setresgid"
        case .setCapabilities, .raiseEffectiveCapabilities: "capset"
        case .noNewPrivileges, .notDumpable, .parentDeathSignal, .dropBoundingSet, .setAmbientCapabilities: "prctl"
        case .execve, .spawn: "execve"
        case .loadSeccomp: "seccomp"
        default: nil
        }
    }

    /// The call as a line of a golden trace.
    public var text: String {
        switch self {
        case .read(let path): "read \(path)"
        case .stat(let path): "stat \(path)"
        case .realpath(let path): "realpath \(path)"
        case .access(let path): "access \(path) X_OK"
        case .uname: "uname"
        case .probe(let name): "probe \(name)"
        case .getFileCapabilities(let path): "getxattr \(path) security.capability"
        case .clone(let flags, let name): "clone3(\(flags)) \(name)"
        case .pidfdOpen(let pid): "pidfd_open \(pid)"
        case .pidfdPoll(let fd): "poll pidfd \(fd)"
        case .socketPair: "socketpair AF_UNIX SOCK_SEQPACKET"
        case .close(let fd): "close \(fd)"
        case .send(let message, let fd, let socket): "send \(message)\(fd.map { " +fd \($0)" } ?? "") on \(socket)"
        case .receive(let socket): "receive on \(socket)"
        case .waitpid(let pid): "waitpid \(pid)"
        case .waitAny: "waitpid -1"
        case .kill(let pid, let signal): "kill \(pid) \(signal)"
        case .helper(let path, let args): "spawn \(([path] + args).joined(separator: " "))"
        case .startHelper(let path, let args, let passing):
            "start \(([path] + args).joined(separator: " "))\(passing.isEmpty ? "" : " +fds " + passing.map(String.init).joined(separator: ","))"
        case .readLine(let fd): "read line from \(fd)"
        case .probePort(let port): "probe \(port)"
        case .probeOpen(let path): "probe open \(path)"
        case .forwardSignals(let signals, let pid): "forward \(signals.map(\.description).joined(separator: ",")) to \(pid)"
        case .ignoreSignals(let signals): "ignore \(signals.map(\.description).joined(separator: ","))"
        case .defaultSignals(let signals): "default \(signals.map(\.description).joined(separator: ","))"
        case .resetSignals: "reset signals"
        case .unshare(let flags): "unshare \(flags)"
        case .setns(let path, let flags): "setns \(path) \(flags)"
        case .namespaceOwner(let path): "ns_get_userns \(path)"
        case .namespaceInode(let path): "stat_ns \(path)"
        case .writeFile(let path, let contents): "write \(path) \(contents.debugDescription)"
        case .sethostname(let name): "sethostname \(name)"
        case .setdomainname(let name): "setdomainname \(name)"
        case .mount(let source, let target, let type, let flags, let data):
            "mount \(source ?? "-") \(target) \(type ?? "-") \(flags) \(data ?? "-")"
        case .mountSetattr(let path, let recursive, let set, let clear, let propagation):
            "mount_setattr \(path)\(recursive ? " AT_RECURSIVE" : "") set=\(set) clear=\(clear) propagation=\(propagation)"
        case .bindTree(let source, let target, let recursive, let set, let clear, let propagation):
            "open_tree \(source)\(recursive ? " AT_RECURSIVE" : "") set=\(set) clear=\(clear) move_mount \(target) propagation=\(propagation)"
        case .umount(let target, let detach): "umount \(target)\(detach ? " MNT_DETACH" : "")"
        case .mkdir(let path, let mode): "mkdir \(path) 0\(String(mode, radix: 8))"
        case .pivotRoot(let new, let old): "pivot_root \(new) \(old)"
        case .chdir(let path): "chdir \(path)"
        case .getcwd: "getcwd"
        case .open(let path, let flags): "open \(path) \(flags)"
        case .openInRoot(let root, let path, let flags): "openat2 \(root) \(path) \(flags) RESOLVE_IN_ROOT"
        case .openBeneath(let dir, let path, let flags): "openat2 \(dir) \(path) \(flags) RESOLVE_BENEATH|NO_XDEV|NO_SYMLINKS"
        case .mkdirAt(let dir, let name, let mode): "mkdirat \(dir) \(name) 0\(String(mode, radix: 8))"
        case .symlinkAt(let link, let dir, let name): "symlinkat \(link) \(dir) \(name)"
        case .readlinkAt(let dir, let name): "readlinkat \(dir) \(name)"
        case .writeAll(let fd, let count): "write \(fd) \(count) bytes"
        case .fchmod(let fd, let mode): "fchmod \(fd) 0\(String(mode, radix: 8))"
        case .netlinkSocket: "socket AF_NETLINK NETLINK_ROUTE"
        case .getLink(let key): "RTM_GETLINK \(key)"
        case .createVeth(let r):
            "RTM_NEWLINK veth \(r.hostName ?? "(kernel-named)")" + (r.mtu.map { " mtu \($0)" } ?? "")
                + " peer {\(r.peerName) netns pid \(r.peerNamespacePid)" + (r.mtu.map { " mtu \($0)" } ?? "")
                + (r.peerMAC.map { " address " + $0.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":") } ?? "")
                + "}"
        case .setLink(let name, let up, let alias): "RTM_NEWLINK \(name) \(up ? "up" : "down")" + (alias.map { " alias \"\($0)\"" } ?? "")
        case .addAddress(let address, let interface, let index): "RTM_NEWADDR \(address) dev \(interface) (\(index))"
        case .addRoute(let route, let interface, let index):
            "RTM_NEWROUTE \(route.destination.map(\.description) ?? "default")"
                + (route.gateway.map { " via " + InterfaceAddress(bytes: $0, prefix: 0).description.dropLast(2) } ?? "")
                + " dev \(interface) (\(index))"
        case .deleteLink(let name, let index): "RTM_DELLINK \(name) (\(index))"
        case .dumpAddresses: "RTM_GETADDR dump"
        case .capget(let cap): "capget effective \(cap.rawValue)"
        case .processExists(let pid): "kill \(pid) 0"
        case .sleep(let ms): "sleep \(ms) ms"
        case .setrlimit(let resource, let soft, let hard): "setrlimit \(resource) \(soft) \(hard)"
        case .setgroups(let groups): "setgroups \(groups)"
        case .setresgid(let gid): "setresgid \(gid)"
        case .setresuid(let uid): "setresuid \(uid) (PR_SET_KEEPCAPS)"
        case .raiseEffectiveCapabilities: "capset effective := permitted"
        case .dropBoundingSet(let keep): "PR_CAPBSET_DROP all but \(keep)"
        case .setCapabilities(let keep): "capset permitted=effective=inheritable=\(keep)"
        case .setAmbientCapabilities(let keep): "PR_CAP_AMBIENT_CLEAR_ALL" + (keep.isEmpty ? "" : ", PR_CAP_AMBIENT_RAISE \(keep)")
        case .noNewPrivileges: "PR_SET_NO_NEW_PRIVS"
        case .notDumpable: "PR_SET_DUMPABLE 0"
        case .parentDeathSignal(let signal): "PR_SET_PDEATHSIG \(signal)"
        case .setsid: "setsid"
        case .joinSessionKeyring: "keyctl KEYCTL_JOIN_SESSION_KEYRING NULL"
        case .reexecSealed: "execveat memfd:nsspec (sealed copy of /proc/self/exe)"
        case .compileSeccomp(let action, let rules): "libseccomp: \(rules) rules, default \(action), export BPF"
        case .loadSeccomp(let instructions): "seccomp SECCOMP_SET_MODE_FILTER (\(instructions) instructions)"
        case .closeOnExec(let first): "close_range \(first).. CLOSE_RANGE_CLOEXEC"
        case .closeRange(let first, let keep): "close_range \(first).." + (keep.isEmpty ? "" : " but \(keep.map(String.init).joined(separator: ","))")
        case .spawn(let path, let args, let env): "posix_spawn \(path) \(args) \(env)"
        case .execve(let path, let args, let env): "execve \(path) \(args) \(env)"
        }
    }
}

/// What a call returned.
public enum Outcome: Equatable, Sendable {
    case done
    case value(Int32)
    case pair(Int32, Int32)
    case received(Received?)
    case status(pid: Int32, ExitStatus)
    case failed(Errno)

    public var suffix: String {
        switch self {
        case .done: ""
        case .value(let v): " = \(v)"
        case .pair(let a, let b): " = [\(a), \(b)]"
        case .received(nil): " = end of file"
        case .received(let r?): " = \(r.message)" + (r.fd.map { " +fd \($0)" } ?? "")
        case .status(let pid, .exited(let code)): " = \(pid) exited \(code)"
        case .status(let pid, .signaled(let signal)): " = \(pid) killed by \(Signal(signal))"
        case .failed(let errno): " = -1 \(errno.name)"
        }
    }
}

/// One entry of the trace: which process made the call, the call, and what it returned.
public struct TraceEntry: Equatable, Sendable, CustomStringConvertible {
    public var process: String
    public var call: Call
    public var outcome: Outcome

    public var failed: Bool { if case .failed = outcome { true } else { false } }

    public var description: String {
        process + String(repeating: " ", count: max(1, 8 - process.count)) + call.text + outcome.suffix
    }
}
