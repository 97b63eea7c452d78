/// A failed system call: what was called, on what, and the errno it returned.
public struct SystemError: Error, Equatable, Sendable {
    public var op: String
    public var object: String
    public var errno: Int32

    public init(_ op: String, _ object: String, errno: Int32) {
        self.op = op
        self.object = object
        self.errno = errno
    }
}

public enum FileKind: Sendable, Equatable { case directory, regular, symlink, other }

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

/// Messages on the pipe from the sandbox's processes to the parent.
public enum Message: Sendable, Equatable {
    /// One of the plan's handoffs, by its name.
    case handoff(String)
    /// A pid, in the parent's pid namespace.
    case pid(Int32)
    /// A failure, already rendered, and the exit status nsspec should return for it.
    case failure(exitCode: Int32, text: String)
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
/// calls, `RecordingSystemCalls` records them in one ordered trace for tests. Methods throw
/// `SystemError`; the executor adds the stage, the spec line and a hint.
public protocol SystemCalls: AnyObject {
    // Identity and host state
    func getpid() -> Int32
    func getppid() -> Int32
    /// The real uid and gid, and whether the effective uid is 0.
    func identity() -> (uid: UInt32, gid: UInt32, root: Bool)
    /// Up to `limit` bytes (reading stops there, so a huge file costs nothing); a directory is
    /// EISDIR.
    func readFile(_ source: FileSource, limit: Int) throws -> FileContents
    /// stat(2), following symlinks.
    func fileKind(_ path: String) throws -> FileKind
    /// access(path, X_OK) == 0 for a regular file.
    func isExecutable(_ path: String) -> Bool
    /// The caller's environment, `NAME=value` strings.
    func environment() -> [String]
    /// Monotonic nanoseconds, for `--verbose` timings.
    func now() -> UInt64
    /// Write all of `text` to fd 1 or 2, without stdio buffers (nothing to flush before a fork).
    func write(_ text: String, to fd: Int32)

    // Processes and pipes
    func fork() throws -> Int32
    /// A close-on-exec pipe.
    func pipe() throws -> (read: Int32, write: Int32)
    func close(_ fd: Int32)
    func send(_ message: Message, to fd: Int32) throws
    /// The next message, or nil at end of file (every writer closed, or gone through exec).
    func receive(from fd: Int32) throws -> Message?
    func waitpid(_ pid: Int32) throws -> ExitStatus
    /// Reap any child; nil when there are none left.
    func waitAny() throws -> (pid: Int32, status: ExitStatus)?
    func kill(_ pid: Int32, _ signal: Int32)
    func exit(_ code: Int32) -> Never
    /// posix_spawn a helper (newuidmap, newgidmap) and wait for it.
    func runHelper(_ path: String, _ args: [String]) throws -> ExitStatus
    /// Forward these signals to `pid` (a handler that calls kill).
    func forwardSignals(_ signals: [Int32], to pid: Int32)
    /// SIG_IGN for these signals.
    func ignoreSignals(_ signals: [Int32])
    /// Default dispositions and an empty signal mask, as a process should start.
    func resetSignals()

    // Namespaces and identity maps
    func unshare(_ flags: Int32) throws
    func setns(path: String, flags: Int32) throws
    func writeFile(_ path: String, _ contents: String) throws
    func sethostname(_ name: String) throws
    func setdomainname(_ name: String) throws

    // Mounts
    func mount(source: String?, target: String, type: String?, flags: UInt, data: String?) throws
    /// mount_setattr(2): MOUNT_ATTR_* bits to set and clear, and an MS_* propagation (or 0).
    func mountSetattr(_ path: String, recursive: Bool, set: UInt64, clear: UInt64, propagation: UInt64) throws
    func umount(_ target: String, detach: Bool) throws
    func mkdir(_ path: String, mode: UInt32) throws
    func pivotRoot(_ newRoot: String, _ putOld: String) throws
    func chdir(_ path: String) throws
    /// getcwd(3); fails with ENOENT when the directory is not reachable from the root.
    func currentDirectory() throws -> String
    func open(_ path: String, flags: Int32) throws -> Int32
    /// openat2 with RESOLVE_IN_ROOT: `path` is looked up as if `root` were "/".
    func openInRoot(_ root: Int32, _ path: String, flags: Int32, mode: UInt32) throws -> Int32
    func mkdirAt(_ dir: Int32, _ name: String, mode: UInt32) throws
    func symlinkAt(_ link: String, _ dir: Int32, _ name: String) throws
    /// The target of the symlink `name` in `dir`; nil if there is no such entry or it is not a symlink.
    func readlinkAt(_ dir: Int32, _ name: String) throws -> String?
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws
    func fchmod(_ fd: Int32, _ mode: UInt32) throws

    // Network
    func interfaceUp(_ name: String) throws

    // Credentials and the process
    func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws
    func setgroups(_ groups: [UInt32]) throws
    func setresgid(_ gid: UInt32) throws
    /// setresuid, keeping the permitted capabilities across the change (PR_SET_KEEPCAPS) so
    /// that the capability step can keep what the spec lists.
    func setresuid(_ uid: UInt32) throws
    /// Bounding set: drop all but `keep`; permitted, effective, inheritable: exactly `keep`;
    /// ambient: exactly `keep`. Capability numbers as in linux/capability.h.
    func setCapabilities(keep: [Int32]) throws
    func setNoNewPrivileges() throws
    /// PR_SET_DUMPABLE 0: no ptrace, no /proc/PID/exe or mem for the sandbox (exec resets it).
    func setNotDumpable() throws
    func setParentDeathSignal(_ signal: Int32) throws
    func setsid() throws
    /// Mark every fd from `first` up close-on-exec.
    func closeOnExec(from first: Int32) throws
    /// posix_spawn with default signal dispositions and an empty mask in the new process, which
    /// gets this one's cwd, credentials and close-on-exec fds closed; a failed exec is an error.
    func spawn(_ path: String, _ args: [String], _ env: [String]) throws -> Int32
    /// execve; returns only on failure, with the errno.
    func execve(_ path: String, _ args: [String], _ env: [String]) -> Int32
}
