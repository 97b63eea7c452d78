import Glibc

// The kernel's vocabulary, typed, in one place: the executor speaks in these names and never in
// bare numbers, and only this module (and the C shim under it) knows their values.

/// An errno value, in swift-system's `Errno` style but with the kernel's own names.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let EPERM = Errno(Glibc.EPERM), ENOENT = Errno(Glibc.ENOENT), ESRCH = Errno(Glibc.ESRCH)
    public static let EINTR = Errno(Glibc.EINTR), EIO = Errno(Glibc.EIO), E2BIG = Errno(Glibc.E2BIG)
    public static let ENOEXEC = Errno(Glibc.ENOEXEC), EBADF = Errno(Glibc.EBADF), ECHILD = Errno(Glibc.ECHILD)
    public static let EAGAIN = Errno(Glibc.EAGAIN), ENOMEM = Errno(Glibc.ENOMEM), EACCES = Errno(Glibc.EACCES)
    public static let EFAULT = Errno(Glibc.EFAULT), EBUSY = Errno(Glibc.EBUSY), EEXIST = Errno(Glibc.EEXIST)
    public static let EXDEV = Errno(Glibc.EXDEV), ENODEV = Errno(Glibc.ENODEV), ENOTDIR = Errno(Glibc.ENOTDIR)
    public static let EISDIR = Errno(Glibc.EISDIR), EINVAL = Errno(Glibc.EINVAL), ENFILE = Errno(Glibc.ENFILE)
    public static let EMFILE = Errno(Glibc.EMFILE), ETXTBSY = Errno(Glibc.ETXTBSY), ENOSPC = Errno(Glibc.ENOSPC)
    public static let EROFS = Errno(Glibc.EROFS), EPIPE = Errno(Glibc.EPIPE), ERANGE = Errno(Glibc.ERANGE)
    public static let EDEADLK = Errno(Glibc.EDEADLK), ENAMETOOLONG = Errno(Glibc.ENAMETOOLONG), ENOSYS = Errno(Glibc.ENOSYS)
    public static let ELOOP = Errno(Glibc.ELOOP), EOVERFLOW = Errno(Glibc.EOVERFLOW), EUSERS = Errno(Glibc.EUSERS)
    public static let ENOTSOCK = Errno(Glibc.ENOTSOCK), EMSGSIZE = Errno(Glibc.EMSGSIZE), EOPNOTSUPP = Errno(Glibc.EOPNOTSUPP)
    public static let EPROTONOSUPPORT = Errno(Glibc.EPROTONOSUPPORT), EADDRINUSE = Errno(Glibc.EADDRINUSE)
    public static let EADDRNOTAVAIL = Errno(Glibc.EADDRNOTAVAIL), ENETDOWN = Errno(Glibc.ENETDOWN)
    public static let ENETUNREACH = Errno(Glibc.ENETUNREACH), ENOBUFS = Errno(Glibc.ENOBUFS), ENXIO = Errno(Glibc.ENXIO)
    public static let EDQUOT = Errno(Glibc.EDQUOT), ENOTTY = Errno(Glibc.ENOTTY)

    static let names: [Int32: String] = [
        Glibc.ENOTTY: "ENOTTY", Glibc.EPERM: "EPERM", Glibc.ENOENT: "ENOENT", Glibc.ESRCH: "ESRCH", Glibc.EINTR: "EINTR", Glibc.EIO: "EIO",
        Glibc.E2BIG: "E2BIG", Glibc.ENOEXEC: "ENOEXEC", Glibc.EBADF: "EBADF", Glibc.ECHILD: "ECHILD", Glibc.EAGAIN: "EAGAIN",
        Glibc.ENOMEM: "ENOMEM", Glibc.EACCES: "EACCES", Glibc.EFAULT: "EFAULT", Glibc.EBUSY: "EBUSY", Glibc.EEXIST: "EEXIST",
        Glibc.EXDEV: "EXDEV", Glibc.ENODEV: "ENODEV", Glibc.ENOTDIR: "ENOTDIR", Glibc.EISDIR: "EISDIR", Glibc.EINVAL: "EINVAL",
        Glibc.ENFILE: "ENFILE", Glibc.EMFILE: "EMFILE", Glibc.ETXTBSY: "ETXTBSY", Glibc.ENOSPC: "ENOSPC", Glibc.EROFS: "EROFS",
        Glibc.EPIPE: "EPIPE", Glibc.ERANGE: "ERANGE", Glibc.EDEADLK: "EDEADLK", Glibc.ENAMETOOLONG: "ENAMETOOLONG",
        Glibc.ENOSYS: "ENOSYS", Glibc.ELOOP: "ELOOP", Glibc.EOVERFLOW: "EOVERFLOW", Glibc.EUSERS: "EUSERS",
        Glibc.ENOTSOCK: "ENOTSOCK", Glibc.EMSGSIZE: "EMSGSIZE", Glibc.EOPNOTSUPP: "EOPNOTSUPP",
        Glibc.EPROTONOSUPPORT: "EPROTONOSUPPORT", Glibc.EADDRINUSE: "EADDRINUSE", Glibc.EADDRNOTAVAIL: "EADDRNOTAVAIL",
        Glibc.ENETDOWN: "ENETDOWN", Glibc.ENETUNREACH: "ENETUNREACH", Glibc.ENOBUFS: "ENOBUFS", Glibc.ENXIO: "ENXIO",
        Glibc.EDQUOT: "EDQUOT",
    ]

    /// "ENOENT" (or "errno 133" for one without a name here).
    public var name: String { Self.names[rawValue] ?? "errno \(rawValue)" }

    /// "No such file or directory".
    public var message: String { strerror(rawValue).map { String(cString: $0) } ?? "error \(rawValue)" }

    /// "No such file or directory (ENOENT)".
    public var description: String { "\(message) (\(name))" }

    /// The calling thread's errno.
    static var current: Errno { Errno(Glibc.errno) }
}

/// A signal number.
public struct Signal: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let SIGHUP = Signal(Glibc.SIGHUP), SIGINT = Signal(Glibc.SIGINT), SIGQUIT = Signal(Glibc.SIGQUIT)
    public static let SIGKILL = Signal(Glibc.SIGKILL), SIGUSR1 = Signal(Glibc.SIGUSR1), SIGUSR2 = Signal(Glibc.SIGUSR2)
    public static let SIGPIPE = Signal(Glibc.SIGPIPE), SIGTERM = Signal(Glibc.SIGTERM), SIGCHLD = Signal(Glibc.SIGCHLD)
    public static let SIGWINCH = Signal(Glibc.SIGWINCH)

    static let names: [Int32: String] = [
        Glibc.SIGHUP: "SIGHUP", Glibc.SIGINT: "SIGINT", Glibc.SIGQUIT: "SIGQUIT", Glibc.SIGKILL: "SIGKILL",
        Glibc.SIGUSR1: "SIGUSR1", Glibc.SIGUSR2: "SIGUSR2", Glibc.SIGPIPE: "SIGPIPE", Glibc.SIGTERM: "SIGTERM",
        Glibc.SIGCHLD: "SIGCHLD", Glibc.SIGWINCH: "SIGWINCH",
    ]
    public var description: String { Self.names[rawValue] ?? "signal \(rawValue)" }
}

/// Names of the set bits of an option set, for traces and messages: "A|B", or "0".
func flagNames(_ raw: UInt64, _ names: [(UInt64, String)]) -> String {
    var parts: [String] = []
    var rest = raw
    for (bit, name) in names where raw & bit == bit && bit != 0 {
        parts.append(name)
        rest &= ~bit
    }
    if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
    return parts.isEmpty ? "0" : parts.joined(separator: "|")
}

/// clone(2)/clone3(2) and unshare(2) flags.
public struct CloneFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The new process is a child of the caller's parent (a sibling of the caller).
    public static let parent = CloneFlags(rawValue: 0x0000_8000)
    public static let newTime = CloneFlags(rawValue: 0x0000_0080)
    public static let newNS = CloneFlags(rawValue: 0x0002_0000)
    public static let newCgroup = CloneFlags(rawValue: 0x0200_0000)
    public static let newUTS = CloneFlags(rawValue: 0x0400_0000)
    public static let newIPC = CloneFlags(rawValue: 0x0800_0000)
    public static let newUser = CloneFlags(rawValue: 0x1000_0000)
    public static let newPID = CloneFlags(rawValue: 0x2000_0000)
    public static let newNet = CloneFlags(rawValue: 0x4000_0000)

    static let names: [(UInt64, String)] = [
        (0x8000, "CLONE_PARENT"), (0x1000_0000, "CLONE_NEWUSER"), (0x0800_0000, "CLONE_NEWIPC"), (0x0400_0000, "CLONE_NEWUTS"),
        (0x4000_0000, "CLONE_NEWNET"), (0x0200_0000, "CLONE_NEWCGROUP"), (0x80, "CLONE_NEWTIME"), (0x0002_0000, "CLONE_NEWNS"),
        (0x2000_0000, "CLONE_NEWPID"),
    ]
    /// "CLONE_NEWUSER|CLONE_NEWNS"; "0" for a plain fork.
    public var description: String { flagNames(rawValue, Self.names) }
}

/// mount(2) flags (MS_*), including the propagation types that mount_setattr(2) also takes.
public struct MountFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }

    public static let readonly = MountFlags(rawValue: 1)
    public static let nosuid = MountFlags(rawValue: 2)
    public static let nodev = MountFlags(rawValue: 4)
    public static let noexec = MountFlags(rawValue: 8)
    public static let bind = MountFlags(rawValue: 4096)
    public static let recursive = MountFlags(rawValue: 16384)
    public static let unbindable = MountFlags(rawValue: 1 << 17)
    public static let `private` = MountFlags(rawValue: 1 << 18)
    public static let slave = MountFlags(rawValue: 1 << 19)
    public static let shared = MountFlags(rawValue: 1 << 20)

    static let names: [(UInt64, String)] = [
        (1, "MS_RDONLY"), (2, "MS_NOSUID"), (4, "MS_NODEV"), (8, "MS_NOEXEC"), (4096, "MS_BIND"), (16384, "MS_REC"),
        (1 << 17, "MS_UNBINDABLE"), (1 << 18, "MS_PRIVATE"), (1 << 19, "MS_SLAVE"), (1 << 20, "MS_SHARED"),
    ]
    public var description: String { flagNames(UInt64(rawValue), Self.names) }
}

/// mount_setattr(2) attributes (MOUNT_ATTR_*). Their values are not the MS_* ones in general
/// (MOUNT_ATTR_NOATIME is not MS_NOATIME); convert with `init(_:)`, never by reusing raw values.
public struct MountAttributes: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let readonly = MountAttributes(rawValue: 0x1)
    public static let nosuid = MountAttributes(rawValue: 0x2)
    public static let nodev = MountAttributes(rawValue: 0x4)
    public static let noexec = MountAttributes(rawValue: 0x8)

    /// The attributes that the per-mount MS_* flags `flags` (MS_RDONLY, MS_NOSUID, MS_NODEV,
    /// MS_NOEXEC) stand for; every other MS_* flag has no attribute and is ignored.
    public init(_ flags: MountFlags) {
        var out: MountAttributes = []
        if flags.contains(.readonly) { out.insert(.readonly) }
        if flags.contains(.nosuid) { out.insert(.nosuid) }
        if flags.contains(.nodev) { out.insert(.nodev) }
        if flags.contains(.noexec) { out.insert(.noexec) }
        self = out
    }

    static let names: [(UInt64, String)] = [(1, "MOUNT_ATTR_RDONLY"), (2, "MOUNT_ATTR_NOSUID"), (4, "MOUNT_ATTR_NODEV"), (8, "MOUNT_ATTR_NOEXEC")]
    public var description: String { flagNames(rawValue, Self.names) }
}

/// open(2) flags. Every fd nsspec opens is also close-on-exec (the implementation adds O_CLOEXEC).
public struct OpenFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let readOnly: OpenFlags = []
    public static let writeOnly = OpenFlags(rawValue: 0o1)
    public static let readWrite = OpenFlags(rawValue: 0o2)
    public static let create = OpenFlags(rawValue: 0o100)
    public static let exclusive = OpenFlags(rawValue: 0o200)
    public static let truncate = OpenFlags(rawValue: 0o1000)
    public static let directory = OpenFlags(rawValue: 0o200000)
    public static let noFollow = OpenFlags(rawValue: 0o400000)
    public static let path = OpenFlags(rawValue: 0o10000000)

    static let names: [(UInt64, String)] = [
        (0o1, "O_WRONLY"), (0o2, "O_RDWR"), (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o1000, "O_TRUNC"), (0o200000, "O_DIRECTORY"),
        (0o400000, "O_NOFOLLOW"), (0o10000000, "O_PATH"),
    ]
    public var description: String { rawValue == 0 ? "O_RDONLY" : flagNames(UInt64(UInt32(bitPattern: rawValue)), Self.names) }
}

/// Capability numbers, as in linux/capability.h.
public struct Capability: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let netAdmin = Capability(rawValue: 12)
    public static let sysAdmin = Capability(rawValue: 21)
}

/// A system call whose presence `nsspec doctor` probes (SystemCalls.probeSystemCall).
public enum ProbedSystemCall: String, Sendable, CaseIterable {
    case openat2
    case mountSetattr = "mount_setattr"
}

/// A resource of setrlimit(2), found by the spec's name for it (`nofile`, `core`, …).
public struct ResourceLimit: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static func named(_ name: String) -> ResourceLimit? { names[name].map(ResourceLimit.init(rawValue:)) }

    static let names: [String: Int32] = [
        "as": Int32(RLIMIT_AS.rawValue), "core": Int32(RLIMIT_CORE.rawValue), "cpu": Int32(RLIMIT_CPU.rawValue),
        "data": Int32(RLIMIT_DATA.rawValue), "fsize": Int32(RLIMIT_FSIZE.rawValue), "locks": Int32(__RLIMIT_LOCKS.rawValue),
        "memlock": Int32(__RLIMIT_MEMLOCK.rawValue), "msgqueue": Int32(__RLIMIT_MSGQUEUE.rawValue),
        "nice": Int32(__RLIMIT_NICE.rawValue), "nofile": Int32(RLIMIT_NOFILE.rawValue), "nproc": Int32(__RLIMIT_NPROC.rawValue),
        "rss": Int32(__RLIMIT_RSS.rawValue), "rtprio": Int32(__RLIMIT_RTPRIO.rawValue), "rttime": Int32(__RLIMIT_RTTIME.rawValue),
        "sigpending": Int32(__RLIMIT_SIGPENDING.rawValue), "stack": Int32(RLIMIT_STACK.rawValue),
    ]
}

/// A helper daemon started by `startHelper`.
public struct HelperProcess: Sendable, Equatable {
    public var pid: Int32
    /// The read end of the pipe at the helper's fd 3.
    public var ready: Int32
    /// The anonymous file at the helper's fd 2.
    public var log: Int32
    public init(pid: Int32, ready: Int32, log: Int32) {
        self.pid = pid
        self.ready = ready
        self.log = log
    }
}

public enum LineRead: Sendable, Equatable {
    case line(String)
    case endOfFile
    case timedOut
}

/// A port to try binding: IPv4 or IPv6, TCP or UDP, an address (nil: any).
public struct PortProbe: Sendable, Equatable, CustomStringConvertible {
    public var v6: Bool
    public var udp: Bool
    public var address: [UInt8]?
    public var port: Int
    public init(v6: Bool, udp: Bool, address: [UInt8]?, port: Int) {
        self.v6 = v6
        self.udp = udp
        self.address = address
        self.port = port
    }

    public var description: String {
        "\(udp ? "udp" : "tcp")\(v6 ? "6" : "4") \(address.map { $0.map(String.init).joined(separator: ".") } ?? "any"):\(port)"
    }
}
