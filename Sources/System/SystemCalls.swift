import SyscallFilter

/// A failed system call: what was called, on what, and the errno it returned.
public struct SystemError: Error, Equatable, Sendable {
    public var op: String
    public var object: String
    public var errno: Errno
    /// What the kernel said besides the errno (netlink's extended ACK: "Invalid MTU", …).
    public var detail: String?

    public init(_ op: String, _ object: String, errno: Errno, detail: String? = nil) {
        self.op = op
        self.object = object
        self.errno = errno
        self.detail = detail
    }
}

/// An interface address for rtnetlink: 4 or 16 bytes in network order, and a prefix length.
public struct InterfaceAddress: Sendable, Equatable, CustomStringConvertible {
    public var bytes: [UInt8]
    public var prefix: UInt8
    public init(bytes: [UInt8], prefix: UInt8) {
        self.bytes = bytes
        self.prefix = prefix
    }

    public var isV4: Bool { bytes.count == 4 }
    var family: UInt8 { isV4 ? RT.AF_INET : RT.AF_INET6 }

    /// The first `prefix` bits of both are equal (same family).
    public func contains(_ other: [UInt8]) -> Bool {
        guard other.count == bytes.count else { return false }
        var bits = Int(prefix)
        for (a, b) in zip(bytes, other) where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != b & mask { return false }
            bits -= 8
        }
        return true
    }

    /// Plain text for traces and messages (IPv6 uncompressed).
    public var description: String {
        let text = isV4 ? bytes.map(String.init).joined(separator: ".")
            : stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        return "\(text)/\(prefix)"
    }
}

/// A link as rtnetlink describes it.
public struct LinkInfo: Sendable, Equatable {
    public var index: Int32
    public var name: String
    /// IFLA_IFALIAS: nsspec marks the host ends it raises with "nsspec pid N".
    public var alias: String?
    /// IFLA_INFO_KIND: "veth", "bridge", … (nil for a physical device or lo).
    public var kind: String?
    public init(index: Int32, name: String, alias: String? = nil, kind: String? = nil) {
        self.index = index
        self.name = name
        self.alias = alias
        self.kind = kind
    }
}

/// One address of the host, from an RTM_GETADDR dump.
public struct AddressEntry: Sendable, Equatable {
    public var index: Int32
    /// IFA_LABEL (IPv4 only): the interface's name.
    public var label: String?
    public var address: InterfaceAddress
    public init(index: Int32, label: String?, address: InterfaceAddress) {
        self.index = index
        self.label = label
        self.address = address
    }
}

/// A veth pair: the host end in the caller's network namespace (named by the kernel when
/// `hostName` is nil), the peer created directly in the namespace of `peerNamespacePid`.
public struct VethRequest: Sendable, Equatable {
    public var hostName: String?
    public var peerName: String
    public var peerNamespacePid: Int32
    /// Both ends.
    public var mtu: UInt32?
    /// The peer's.
    public var peerMAC: [UInt8]?
    public init(hostName: String?, peerName: String, peerNamespacePid: Int32, mtu: UInt32?, peerMAC: [UInt8]?) {
        self.hostName = hostName
        self.peerName = peerName
        self.peerNamespacePid = peerNamespacePid
        self.mtu = mtu
        self.peerMAC = peerMAC
    }
}

/// A route in the main table: to `destination` (nil: the default route), through `gateway`
/// or, without one, directly on the link.
public struct RouteRequest: Sendable, Equatable {
    public var destination: InterfaceAddress?
    public var gateway: [UInt8]?
    public init(destination: InterfaceAddress?, gateway: [UInt8]?) {
        self.destination = destination
        self.gateway = gateway
    }

    /// The family, from the destination or (for the default route) the gateway.
    public var isV4: Bool { destination?.isV4 ?? (gateway?.count == 4) }
}

/// Which link a lookup asks for.
public enum LinkKey: Sendable, Equatable, CustomStringConvertible {
    case name(String)
    case index(Int32)
    public var description: String {
        switch self {
        case .name(let n): n
        case .index(let i): "ifindex \(i)"
        }
    }
}

public enum FileKind: Sendable, Equatable { case directory, regular, symlink, other }

/// What stat(2) says of a file's permissions: its mode (type, setuid/setgid/sticky and
/// permission bits, as st_mode) and its owner.
public struct FileStatus: Sendable, Equatable {
    public var mode: UInt32
    public var owner: UInt32
    public var group: UInt32
    /// The filesystem it is on (st_dev).
    public var device: UInt64
    public init(mode: UInt32, owner: UInt32, group: UInt32 = 0, device: UInt64 = 0) {
        self.mode = mode
        self.owner = owner
        self.group = group
        self.device = device
    }

    public var isSetuid: Bool { mode & 0o4000 != 0 }
}

/// What `readFile` reads: a path, or standard input.
public enum FileSource: Sendable, Equatable {
    case path(String)
    case standardInput
}

/// A file's first bytes, and its size when it is a regular file longer than what was read.
public struct FileContents: Sendable, Equatable {
    public var bytes: [UInt8]
    public var size: Int
    public init(bytes: [UInt8], size: Int) {
        self.bytes = bytes
        self.size = size
    }
}

/// Messages between the processes of a run, on the socket pair the parent makes before its
/// first child: the sandbox's processes report to the parent, the parent tells them to go on.
public enum Message: Sendable, Equatable, CustomStringConvertible {
    /// One of the plan's handoffs, by its name.
    case handoff(String)
    /// A pid, in the parent's pid namespace.
    case pid(Int32)
    /// A failure, already rendered, and the exit status nsspec should return for it.
    case failure(exitCode: Int32, text: String)

    public var description: String {
        switch self {
        case .handoff(let name): "\"\(name)\""
        case .pid(let pid): "pid \(pid)"
        case .failure(let code, let text): "failure \(code) \(text.debugDescription)"
        }
    }
}

/// Why the terminal relay stopped.
public enum RelayEvent: Sendable {
    case channelReadable, processExited
}

/// A message as received, with the file descriptor that travelled with it (SCM_RIGHTS), now
/// open in the receiving process.
public struct Received: Sendable, Equatable {
    public var message: Message
    public var fd: Int32?
    public init(_ message: Message, fd: Int32? = nil) {
        self.message = message
        self.fd = fd
    }
}

/// How a process ended, as waitpid(2) tells.
public enum ExitStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// The shell's convention: the code, or 128 + the signal.
    public var code: Int32 {
        switch self {
        case .exited(let c): c
        case .signaled(let s): 128 + s
        }
    }
}

/// Every effect nsspec has on the kernel goes through this protocol: `LinuxSystemCalls` makes the
/// calls; the tests' model of the kernel (Tests/FakeKernel) records them, runs the processes of a
/// run, and passes their messages. Methods throw `SystemError`; the executor adds the stage, the
/// spec line and a hint.
public protocol SystemCalls: AnyObject {
    // Identity and host state
    func getpid() -> Int32
    func getppid() -> Int32
    /// The real uid and gid, and whether the effective uid is 0.
    func identity() -> (uid: UInt32, gid: UInt32, root: Bool)
    /// Up to `limit` bytes (reading stops there, so a huge file costs nothing); a directory is
    /// EISDIR; a path that is not a regular file (a FIFO, a device, a socket) is EINVAL with the
    /// detail "not a regular file (a FIFO)", never waited on.
    func readFile(_ source: FileSource, limit: Int) throws -> FileContents
    /// stat(2), following symlinks.
    func fileKind(_ path: String) throws -> FileKind
    /// realpath(3): the absolute path with every symlink, `.` and `..` resolved.
    func canonicalPath(_ path: String) throws -> String
    /// access(path, X_OK) == 0 for a regular file.
    func isExecutable(_ path: String) -> Bool
    /// The caller's environment, `NAME=value` strings.
    func environment() -> [String]
    /// One variable of the caller's environment (getenv).
    func environmentValue(_ name: String) -> String?
    /// Monotonic nanoseconds, for `--verbose` timings.
    func now() -> UInt64
    // Host facts, for `doctor`
    /// uname(2): the kernel's release ("6.1.0-18-amd64") and the machine ("x86_64").
    func kernelRelease() -> (release: String, machine: String)
    /// The errno of a harmless call of `call` that the kernel refuses before it looks at
    /// anything: EINVAL where the call exists, ENOSYS where it does not, another errno where a
    /// filter or policy refuses it; nil if it succeeded. Nothing is opened or changed.
    func probeSystemCall(_ call: ProbedSystemCall) -> Errno?
    /// stat(2), following symlinks: the mode with its setuid bit, the owner and the group.
    func fileStatus(_ path: String) throws -> FileStatus
    /// lstat(2): a symlink's own status, not its target's (root's look at another user's files).
    func linkStatus(_ path: String) throws -> FileStatus
    /// A file's capabilities (its security.capability attribute) as libcap writes them
    /// ("cap_setuid=ep"); nil when it has none.
    func fileCapabilities(_ path: String) throws -> String?
    /// Write all of `text` to fd 1 or 2, without stdio buffers (nothing to flush before a fork).
    func write(_ text: String, to fd: Int32)

    // Processes and the sockets between them
    /// A new process (clone3): with no flags a fork; with CLONE_NEW* it starts in new namespaces;
    /// with CLONE_PARENT it is a child of this process's parent. The new process runs `body`
    /// and ends with the status it returns; this one gets its pid. `name` says which process of
    /// the run it is (for traces). The caller must be single-threaded (checked).
    func clone(_ flags: CloneFlags, name: String, _ body: @escaping () -> Int32) throws -> Int32
    /// pidfd_open(2), close-on-exec.
    func openPidfd(_ pid: Int32) throws -> Int32
    /// Whether the process of a pidfd has exited (without waiting).
    func hasExited(pidfd: Int32) -> Bool
    /// A connected pair of AF_UNIX SOCK_SEQPACKET sockets, close-on-exec: each message sent on
    /// one end arrives whole at the other, and a file descriptor can travel with it.
    func socketPair() throws -> (Int32, Int32)
    func close(_ fd: Int32)
    /// Sends `message` on a socket of a pair, with `fd` (SCM_RIGHTS) when given.
    func send(_ message: Message, passing fd: Int32?, on socket: Int32) throws
    /// The next message on a socket of a pair, or nil at end of file (every process holding the
    /// other end has closed it, exited or exec'd).
    func receive(on socket: Int32) throws -> Received?
    func waitpid(_ pid: Int32) throws -> ExitStatus
    /// Reap any child; nil when there are none left.
    func waitAny() throws -> (pid: Int32, status: ExitStatus)?
    func kill(_ pid: Int32, _ signal: Signal)
    /// posix_spawn a helper (newuidmap, newgidmap) and wait for it.
    func runHelper(_ path: String, _ args: [String]) throws -> ExitStatus
    /// Forward these signals to `pid` (a handler that calls kill).
    func forwardSignals(_ signals: [Signal], to pid: Int32)
    /// SIG_IGN for these signals.
    func ignoreSignals(_ signals: [Signal])
    /// SIG_DFL for these signals.
    func defaultSignals(_ signals: [Signal])
    /// Default dispositions and an empty signal mask, as a process should start.
    func resetSignals()

    // Namespaces and identity maps
    func unshare(_ flags: CloneFlags) throws
    func setns(path: String, _ flags: CloneFlags) throws
    /// setns(2) with a pidfd: every namespace of `flags` of that process at once, as one
    /// change (Linux 5.8+; EINVAL before).
    func setns(pidfd: Int32, _ flags: CloneFlags) throws
    /// The user namespace that owns the namespace at `path` (ioctl NS_GET_USERNS): its inode and
    /// the uid that made it. EPERM when it lies outside this process's user namespace.
    func namespaceOwner(_ path: String) throws -> (userNamespace: UInt64, uid: UInt32)
    /// The inode that identifies the namespace at `path` (`/proc/self/ns/user`: user:[INODE]).
    func namespaceInode(_ path: String) throws -> UInt64
    func writeFile(_ path: String, _ contents: String) throws
    func sethostname(_ name: String) throws
    func setdomainname(_ name: String) throws

    // Mounts
    func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws
    /// mount_setattr(2): attributes to set and clear, and a propagation type (or none).
    func mountSetattr(_ path: String, recursive: Bool, set: MountAttributes, clear: MountAttributes, propagation: MountFlags) throws
    /// A bind of `source` on `target` with its attributes set on the detached copy before it is
    /// attached, and its propagation through the same fd after (open_tree, mount_setattr,
    /// move_mount): never on another mount that a rename put at the path meanwhile.
    func bindTree(_ source: String, onto target: String, recursive: Bool, set: MountAttributes, clear: MountAttributes,
                  attributesRecursive: Bool, propagation: MountFlags) throws
    func umount(_ target: String, detach: Bool) throws
    func mkdir(_ path: String, mode: UInt32) throws
    func pivotRoot(_ newRoot: String, _ putOld: String) throws
    func chdir(_ path: String) throws
    /// getcwd(3); fails with ENOENT when the directory is not reachable from the root.
    func currentDirectory() throws -> String
    func open(_ path: String, _ flags: OpenFlags) throws -> Int32
    /// openat2 with RESOLVE_IN_ROOT: `path` is looked up as if `root` were "/".
    func openInRoot(_ root: Int32, _ path: String, _ flags: OpenFlags, mode: UInt32) throws -> Int32
    /// openat2 of `path` beneath the directory `dir`: never above it (`..`, an absolute path),
    /// through no symlink and across no mount point — EXDEV or ELOOP instead.
    func openBeneath(_ dir: Int32, _ path: String, _ flags: OpenFlags, mode: UInt32) throws -> Int32
    func mkdirAt(_ dir: Int32, _ name: String, mode: UInt32) throws
    func symlinkAt(_ link: String, _ dir: Int32, _ name: String) throws
    /// The target of the symlink `name` in `dir`; nil if there is no such entry or it is not a symlink.
    func readlinkAt(_ dir: Int32, _ name: String) throws -> String?
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws
    func fchmod(_ fd: Int32, _ mode: UInt32) throws

    // Network: rtnetlink, on a socket that works in the network namespace it was opened in.
    // `interface` arguments only name the object in errors.
    func openNetlink() throws -> Int32
    /// The link, or nil when there is none.
    func link(_ socket: Int32, _ key: LinkKey) throws -> LinkInfo?
    /// Creates a veth pair; returns the host end as the kernel echoed it (nil on a kernel
    /// that does not echo a new link).
    func createVeth(_ socket: Int32, _ request: VethRequest) throws -> LinkInfo?
    /// IFF_UP on or off, and an alias when given, on the link named `name`.
    func setLink(_ socket: Int32, _ name: String, up: Bool, alias: String?) throws
    func addAddress(_ socket: Int32, index: Int32, interface: String, _ address: InterfaceAddress) throws
    func addRoute(_ socket: Int32, index: Int32, interface: String, _ route: RouteRequest) throws
    func deleteLink(_ socket: Int32, index: Int32, interface: String) throws
    /// Every address of every interface in the socket's network namespace.
    func addresses(_ socket: Int32) throws -> [AddressEntry]
    /// Whether the effective set holds this capability.
    func hasEffectiveCapability(_ capability: Capability) -> Bool
    /// kill(pid, 0): the process exists (EPERM counts: it exists, owned by someone else).
    func processExists(_ pid: Int32) -> Bool
    func sleep(milliseconds: Int)

    // Credentials and the process
    func setrlimit(_ resource: ResourceLimit, soft: UInt64, hard: UInt64) throws
    func setgroups(_ groups: [UInt32]) throws
    func setresgid(_ gid: UInt32) throws
    /// setresuid, keeping the permitted capabilities across the change (PR_SET_KEEPCAPS) so
    /// that the capability step can keep what the spec lists.
    func setresuid(_ uid: UInt32) throws
    // Capabilities, in the kernel's order (linux/capability.h numbering):
    /// Effective := permitted (dropping from the bounding set needs CAP_SETPCAP effective).
    func raiseEffectiveCapabilities() throws
    /// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
    func lastCapability() -> Int32
    /// PR_CAPBSET_DROP for every capability the kernel knows but `keep`.
    func dropBoundingSet(keeping keep: [Int32]) throws
    /// capset: permitted, effective and inheritable exactly `keep`.
    func setCapabilities(_ keep: [Int32]) throws
    /// PR_CAP_AMBIENT_CLEAR_ALL, then PR_CAP_AMBIENT_RAISE for each of `keep`.
    func setAmbientCapabilities(_ keep: [Int32]) throws
    /// Compiles a filter to classic BPF (struct sock_filter, 8 bytes each), with libseccomp.
    /// Before any fork: libseccomp allocates.
    func compileSeccomp(_ filter: Filter) throws -> [UInt8]
    /// What a compiled program depends on besides its filter: the architecture and the
    /// compiler's version ("x86_64 libseccomp 2.5.4"), for a cache of compiled programs.
    func seccompCompilerIdentity() -> String
    /// Whether `path` is a directory only the caller may change: owned by the effective uid,
    /// not a symlink, writable by neither group nor others. Made (0700) when missing (its
    /// parent must exist).
    func privateDirectory(_ path: String) -> Bool
    /// The 16-byte secret that authenticates the entries of nsspec's cache: a key in the caller's
    /// user keyring, made (from getrandom) when missing. Out of reach of a sandbox with a user
    /// namespace of its own (it has another user keyring).
    func cacheSecret() throws -> [UInt8]
    /// The build id of the running binary (its ELF note); empty when it has none.
    func buildID() -> [UInt8]
    /// The names in a directory, without `.` and `..`.
    func directoryEntries(_ path: String) throws -> [String]
    /// unlink(2).
    func removeFile(_ path: String) throws
    /// Writes `bytes` to a new file beside `path` (0600) and renames it over `path`.
    func replaceFile(_ path: String, with bytes: [UInt8]) throws
    /// Creates `path` with `bytes` (`mode`, less the umask) only if nothing is there:
    /// O_CREAT|O_EXCL|O_NOFOLLOW, so a file, a directory or a symlink (a dangling one too)
    /// already at `path` is EEXIST and left as it was. A failed write removes the new file.
    func createFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws
    /// Writes `bytes` to a new file `path.PID.tmp` (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) and renames
    /// it over `path`: a reader sees the old file or the new one whole, never neither.
    func replaceFileByRename(_ path: String, with bytes: [UInt8]) throws
    /// Puts a new file (0600) with `bytes` at `path` only if nothing is there, whole: written
    /// unnamed (O_TMPFILE, else under a temporary name) and linked in with link(2), which is
    /// EEXIST when anything is at `path`. Of two callers exactly one succeeds, and a reader sees
    /// no file or all of it (the claim of a sandbox's name).
    func linkNewFile(_ path: String, with bytes: [UInt8]) throws
    /// flock(LOCK_EX) on the directory `path` (an fd of its own, close-on-exec), waiting for
    /// another holder; closing the fd returned releases it (and so does the holder's death).
    func lockDirectory(_ path: String) throws -> Int32
    /// dup2(2): `fd` also as `target` (a detached sandbox's standard streams on /dev/null).
    func duplicate(_ fd: Int32, onto target: Int32) throws
    /// Whether this process runs from a sealed copy of nsspec's binary (a write-sealed memfd).
    func runsFromSealedCopy() -> Bool
    /// Execs a sealed memfd copy of the running binary with the same arguments and environment;
    /// returns only by throwing.
    func reexecFromSealedCopy() throws
    /// seccomp(SECCOMP_SET_MODE_FILTER) with a compiled program; needs no_new_privs (or
    /// CAP_SYS_ADMIN). Filters stack: the strictest answer of all of them wins.
    func loadSeccomp(_ program: [UInt8]) throws
    func setNoNewPrivileges() throws
    /// PR_SET_DUMPABLE 0: no ptrace, no /proc/PID/exe or mem for the sandbox (exec resets it).
    func setNotDumpable() throws
    func setParentDeathSignal(_ signal: Signal) throws
    func setsid() throws
    /// keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL): a new, anonymous session keyring for this
    /// process and what it starts; returns its serial.
    func joinNewSessionKeyring() throws -> Int32
    // Terminals: the sandbox's pseudo-terminal and nsspec's relay of it.
    /// isatty(3).
    func isTerminal(_ fd: Int32) -> Bool
    /// Sets the terminal raw; returns its attributes as they were, for `restoreTerminal`.
    func makeRaw(_ fd: Int32) throws -> [UInt8]
    func restoreTerminal(_ fd: Int32, _ saved: [UInt8])
    /// The window size of `from` set on `to` (no error: a terminal without a size keeps none).
    func copyWindowSize(from: Int32, to: Int32)
    /// A new devpts instance on a detached mount (attached nowhere): an fd of its root.
    func openDetachedDevpts() throws -> Int32
    /// A new tmpfs (mode 0755) mounted nowhere: its fd (fsopen/fsmount), a directory fd of its root.
    func openDetachedTmpfs() throws -> Int32
    /// A pty from the devpts whose root `devpts` is: master (non-blocking) and slave.
    func openPty(devpts: Int32) throws -> (master: Int32, slave: Int32)
    /// The terminal on `fd` becomes this session leader's controlling terminal and its fds 0, 1, 2.
    func takeTerminal(_ fd: Int32) throws
    /// A pipe that receives a byte on every SIGWINCH; its read end.
    func windowChangePipe() throws -> Int32
    /// Copies `input` to `master` and `master` to `output` (the window size of `input` to
    /// `master` on every byte of `winch`) until `channel` is readable (a message or its end;
    /// nil: not watched), or the process of the pidfd `exited` has ended.
    func relay(input: Int32, output: Int32, master: Int32, winch: Int32, channel: Int32?, exited: Int32,
               inputOpen: inout Bool, masterOpen: inout Bool) throws -> RelayEvent
    /// What is left to read on `master`, to `output`.
    func drain(master: Int32, output: Int32)

    /// Close every fd from `first` up but those in `keep`.
    func closeFileDescriptors(from first: Int32, keeping keep: [Int32]) throws
    /// Mark every fd from `first` up close-on-exec.
    func closeOnExec(from first: Int32) throws
    /// posix_spawn with default signal dispositions and an empty mask in the new process, which
    /// gets this one's cwd, credentials and close-on-exec fds closed; a failed exec is an error.
    /// A helper daemon (pasta) in a process of its own: fds 0 and 1 /dev/null, 2 an anonymous
    /// file (`log`), 3 a pipe's write end (`ready` is its read end), `passing` at 4, 5, …;
    /// SIGKILL when this process dies. The caller closes `ready` and `log`.
    func startHelper(_ path: String, _ args: [String], _ env: [String], passing: [Int32]) throws -> HelperProcess
    /// A line from `fd` within the timeout (end of file and time out are answers, not errors).
    func readLine(_ fd: Int32, timeoutMilliseconds: Int) throws -> LineRead
    /// What an anonymous file (a helper's messages) holds from its start, up to `limit` bytes.
    func readBack(_ fd: Int32, limit: Int) -> String
    /// Whether a socket binds to the port (TCP listening, as a published port would): nil, or
    /// why not (EADDRINUSE, EACCES below the unprivileged port start, EADDRNOTAVAIL).
    func probePort(_ port: PortProbe) -> Errno?
    /// Whether `path` opens with `flags` (then closed): nil, or why not.
    func probeOpen(_ path: String, _ flags: OpenFlags) -> Errno?
    func spawn(_ path: String, _ args: [String], _ env: [String]) throws -> Int32
    /// execve. On success the process is replaced and the call does not return, except in a
    /// model of the kernel, where the process it models then ends when its body returns.
    func execve(_ path: String, _ args: [String], _ env: [String]) throws
}
