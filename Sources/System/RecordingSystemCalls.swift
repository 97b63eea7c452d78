/// A fake kernel for tests: every call is appended to one ordered `trace`, and call number
/// `failAt` (0-based, counting calls but not notes such as close or kill) fails with `failErrno`. It answers like a
/// cooperative host: files exist, forks succeed, the caller is uid 1000.
public final class RecordingSystemCalls: SystemCalls {
    public private(set) var trace: [String] = []
    public var failAt: Int?
    public var failErrno: Int32
    /// What the kernel says besides the errno for the failing call (netlink's extended ACK).
    public var failDetail: String?
    public var files: [String: String]
    public var missing: Set<String> = []
    public var uid: UInt32 = 1000
    private var nextPid: Int32 = 100
    private var nextFd: Int32 = 10

    public init(failAt: Int? = nil, errno: Int32 = 1) {
        self.failAt = failAt
        self.failErrno = errno
        files = [
            "/proc/sys/user/max_user_namespaces": "63000\n",
            "/etc/subuid": "tester:100000:65536\nroot:200000:65536\n",
            "/etc/subgid": "tester:100000:65536\nroot:200000:65536\n",
            "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000::/home/tester:/bin/sh\n",
        ]
    }

    /// How many calls (not notes) have been made.
    public private(set) var calls = 0

    /// Record the call; throw if it is the one chosen to fail.
    private func call(_ text: String, _ op: String, _ object: String) throws {
        let failing = calls == failAt
        calls += 1
        trace.append(failing ? text + " = -1 " + String(failErrno) : text)
        if failing { throw SystemError(op, object, errno: failErrno, detail: failDetail) }
    }

    private func note(_ text: String) { trace.append(text) }

    public func getpid() -> Int32 { 42 }
    public func getppid() -> Int32 { 42 }

    public func identity() -> (uid: UInt32, gid: UInt32, root: Bool) { (uid, uid, uid == 0) }

    public func readFile(_ source: FileSource, limit: Int) throws -> FileContents {
        guard case .path(let path) = source else { throw SystemError("read", "standard input", errno: 9) }
        try call("read \(path)", "open", path)
        guard let text = files[path] else { throw SystemError("open", path, errno: 2) }
        let bytes = Array(text.utf8.prefix(limit))
        return FileContents(bytes: bytes, size: bytes.count)
    }

    public func fileKind(_ path: String) throws -> FileKind {
        try call("stat \(path)", "stat", path)
        if missing.contains(path) { throw SystemError("stat", path, errno: 2) }
        return path.hasSuffix("/null") || path.hasSuffix("/zero") || path.hasSuffix("/full") || path.hasSuffix("random")
            || path.hasSuffix("/tty") ? .other : .directory
    }

    public func isExecutable(_ path: String) -> Bool {
        note("access \(path) X_OK")
        return !missing.contains(path)
    }

    public func environment() -> [String] { ["PATH=/usr/bin:/bin", "TERM=xterm", "SECRET=host"] }
    public func now() -> UInt64 { 0 }
    /// What nsspec printed on standard error.
    public private(set) var logged = ""
    public func write(_ text: String, to fd: Int32) { if fd == 2 { logged += text } }

    /// What the kernel answers to a new user namespace, from the fake's sysctl files.
    private func userNamespaceRefusal(_ flags: Int32) -> Int32? {
        guard flags & 0x1000_0000 != 0 else { return nil }
        if files["/proc/sys/user/max_user_namespaces"] == "0\n" { return 28 }  // ENOSPC
        if uid != 0 && files["/proc/sys/kernel/unprivileged_userns_clone"] == "0\n" { return 1 }  // EPERM
        if uid != 0 && files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] == "1\n" { return 13 }  // EACCES
        return nil
    }

    public func clone(flags: Int32) throws -> Int32 {
        if let refused = userNamespaceRefusal(flags) {
            calls += 1
            trace.append("clone(\(cloneFlagNames(flags))) = -1 \(refused)")
            throw SystemError("clone", cloneFlagNames(flags), errno: refused)
        }
        try call("clone(\(cloneFlagNames(flags))) = \(nextPid)", "clone", cloneFlagNames(flags))
        nextPid += 1
        return nextPid - 1
    }
    public func openPidfd(_ pid: Int32) throws -> Int32 {
        try call("pidfd_open \(pid) = \(nextFd)", "pidfd_open", String(pid))
        nextFd += 1
        return nextFd - 1
    }
    /// Processes whose pidfd reports them gone.
    public var exitedPidfds: Set<Int32> = []
    public func hasExited(pidfd: Int32) -> Bool {
        note("poll pidfd \(pidfd)")
        return exitedPidfds.contains(pidfd)
    }
    public func fork() throws -> Int32 {
        try call("fork = \(nextPid)", "fork", "")
        nextPid += 1
        return nextPid - 1
    }

    public func pipe() throws -> (read: Int32, write: Int32) {
        try call("pipe2 = [\(nextFd), \(nextFd + 1)]", "pipe2", "")
        nextFd += 2
        return (nextFd - 2, nextFd - 1)
    }

    public func close(_ fd: Int32) { note("close \(fd)") }
    public func send(_ message: Message, to fd: Int32) throws { try call("send \(message) to \(fd)", "write", "pipe") }
    public func receive(from fd: Int32) throws -> Message? {
        try call("receive from \(fd)", "read", "pipe")
        return nil
    }

    public func waitpid(_ pid: Int32) throws -> ExitStatus {
        try call("waitpid \(pid)", "waitpid", String(pid))
        return .exited(0)
    }

    public func waitAny() throws -> (pid: Int32, status: ExitStatus)? {
        try call("waitpid -1", "waitpid", "-1")
        return nil
    }

    public func kill(_ pid: Int32, _ signal: Int32) { note("kill \(pid) \(signal)") }

    /// Only the sandbox's processes exit (after exec fails, or when their part is done), and a
    /// simulated run has none: the executor never calls this on the fake.
    public func exit(_ code: Int32) -> Never {
        fatalError("RecordingSystemCalls.exit(\(code)): a simulated run has no process to end")
    }

    public func runHelper(_ path: String, _ args: [String]) throws -> ExitStatus {
        try call("spawn \(([path] + args).joined(separator: " "))", "posix_spawn", path)
        return .exited(0)
    }

    public func forwardSignals(_ signals: [Int32], to pid: Int32) { note("forward signals \(signals) to \(pid)") }
    public func ignoreSignals(_ signals: [Int32]) { note("ignore signals \(signals)") }
    public func resetSignals() { note("reset signals") }

    static let cloneFlags: [Int32: String] = [
        0x10000000: "CLONE_NEWUSER", 0x20000: "CLONE_NEWNS", 0x4000000: "CLONE_NEWUTS", 0x8000000: "CLONE_NEWIPC",
        0x20000000: "CLONE_NEWPID", 0x40000000: "CLONE_NEWNET", 0x2000000: "CLONE_NEWCGROUP", 0x80: "CLONE_NEWTIME",
    ]
    private func flagName(_ flags: Int32) -> String { Self.cloneFlags[flags] ?? "0x" + String(flags, radix: 16) }
    public func unshare(_ flags: Int32) throws {
        if let refused = userNamespaceRefusal(flags) {
            calls += 1
            trace.append("unshare \(flagName(flags)) = -1 \(refused)")
            throw SystemError("unshare", "", errno: refused)
        }
        try call("unshare \(flagName(flags))", "unshare", "")
    }
    public func setns(path: String, flags: Int32) throws { try call("setns \(path) \(flagName(flags))", "setns", path) }
    public func writeFile(_ path: String, _ contents: String) throws {
        try call("write \(path) \(contents.debugDescription)", "write", path)
    }
    public func sethostname(_ name: String) throws { try call("sethostname \(name)", "sethostname", name) }
    public func setdomainname(_ name: String) throws { try call("setdomainname \(name)", "setdomainname", name) }

    public func mount(source: String?, target: String, type: String?, flags: UInt, data: String?) throws {
        try call("mount \(source ?? "-") \(target) \(type ?? "-") 0x\(String(flags, radix: 16)) \(data ?? "-")", "mount", target)
    }
    public func mountSetattr(_ path: String, recursive: Bool, set: UInt64, clear: UInt64, propagation: UInt64) throws {
        try call("mount_setattr \(path)\(recursive ? " recursive" : "") set=\(set) clear=\(clear) propagation=0x\(String(propagation, radix: 16))",
                 "mount_setattr", path)
    }
    public func umount(_ target: String, detach: Bool) throws { try call("umount \(target)\(detach ? " detach" : "")", "umount2", target) }
    public func mkdir(_ path: String, mode: UInt32) throws { try call("mkdir \(path) 0\(String(mode, radix: 8))", "mkdir", path) }
    public func pivotRoot(_ newRoot: String, _ putOld: String) throws { try call("pivot_root \(newRoot) \(putOld)", "pivot_root", newRoot) }
    public func chdir(_ path: String) throws {
        try call("chdir \(path)", "chdir", path)
        cwd = path
    }
    private var cwd = "/"
    public func currentDirectory() throws -> String {
        try call("getcwd", "getcwd", "")
        return cwd
    }

    public func open(_ path: String, flags: Int32) throws -> Int32 {
        try call("open \(path) = \(nextFd)", "open", path)
        nextFd += 1
        return nextFd - 1
    }

    public func openInRoot(_ root: Int32, _ path: String, flags: Int32, mode: UInt32) throws -> Int32 {
        try call("openat2 \(root) \(path) in-root = \(nextFd)", "open", path)
        if missing.contains(path) { throw SystemError("open", path, errno: 2) }
        nextFd += 1
        return nextFd - 1
    }

    public func mkdirAt(_ dir: Int32, _ name: String, mode: UInt32) throws { try call("mkdirat \(dir) \(name)", "mkdir", name) }
    public func symlinkAt(_ link: String, _ dir: Int32, _ name: String) throws { try call("symlinkat \(link) \(dir) \(name)", "symlink", name) }
    /// The fake's tree has no symlinks (the real ones are tested in Tests/integration).
    public func readlinkAt(_ dir: Int32, _ name: String) throws -> String? {
        try call("readlinkat \(dir) \(name)", "readlink", name)
        return nil
    }
    public func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws { try call("write \(fd) \(bytes.count) bytes", "write", "fd \(fd)") }
    public func fchmod(_ fd: Int32, _ mode: UInt32) throws { try call("fchmod \(fd) 0\(String(mode, radix: 8))", "fchmod", "fd \(fd)") }

    // Network: one table of links and one of addresses, for the host and the sandbox alike
    // (the fake has one namespace); a veth adds both of its ends.
    public var links: [LinkInfo] = [LinkInfo(index: 1, name: "lo")]
    public var hostAddresses: [AddressEntry] = []
    /// Processes `processExists` reports alive.
    public var livePids: Set<Int32> = []
    /// Capabilities of the effective set; nil: all of them for uid 0, none otherwise.
    public var effectiveCapabilities: Set<Int32>?
    /// Lookups of a link by name after which it is gone (a leftover the kernel is removing).
    public var vanishAfterLookups: [String: Int] = [:]
    private var nextIndex: Int32 = 2
    private var pairs: [(Int32, Int32)] = []

    public func openNetlink() throws -> Int32 {
        try call("socket AF_NETLINK = \(nextFd)", "socket", "AF_NETLINK")
        nextFd += 1
        return nextFd - 1
    }
    public func link(_ socket: Int32, _ key: LinkKey) throws -> LinkInfo? {
        try call("RTM_GETLINK \(key)", "RTM_GETLINK", key.description)
        if case .name(let name) = key, let left = vanishAfterLookups[name] {
            if left == 0 { links.removeAll { $0.name == name } }
            vanishAfterLookups[name] = left - 1
        }
        return links.first {
            switch key {
            case .name(let name): $0.name == name
            case .index(let index): $0.index == index
            }
        }
    }
    public func createVeth(_ socket: Int32, _ r: VethRequest) throws -> LinkInfo? {
        let mtu = r.mtu.map { " mtu \($0)" } ?? ""
        let mac = r.peerMAC.map { " address " + $0.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":") } ?? ""
        try call("RTM_NEWLINK veth \(r.hostName ?? "(kernel-named)")\(mtu) peer \(r.peerName) netns pid \(r.peerNamespacePid)\(mac)",
                 "RTM_NEWLINK", r.hostName ?? r.peerName)
        let host = LinkInfo(index: nextIndex, name: r.hostName ?? "veth\(nextIndex)", kind: "veth")
        links += [host, LinkInfo(index: nextIndex + 1, name: r.peerName, kind: "veth")]
        pairs.append((nextIndex, nextIndex + 1))
        nextIndex += 2
        return host
    }
    public func setLink(_ socket: Int32, _ name: String, up: Bool, alias: String?) throws {
        try call("RTM_NEWLINK \(name) \(up ? "up" : "down")" + (alias.map { " alias \"\($0)\"" } ?? ""), "RTM_NEWLINK", name)
    }
    public func addAddress(_ socket: Int32, index: Int32, interface: String, _ address: InterfaceAddress) throws {
        try call("RTM_NEWADDR \(address) dev \(interface) (\(index))", "RTM_NEWADDR", interface)
    }
    public func addRoute(_ socket: Int32, index: Int32, interface: String, _ route: RouteRequest) throws {
        let to = route.destination.map(\.description) ?? "default"
        let via = route.gateway.map { " via " + InterfaceAddress(bytes: $0, prefix: 0).description.dropLast(2) } ?? ""
        try call("RTM_NEWROUTE \(to)\(via) dev \(interface) (\(index))", "RTM_NEWROUTE", interface)
    }
    public func deleteLink(_ socket: Int32, index: Int32, interface: String) throws {
        try call("RTM_DELLINK \(interface) (\(index))", "RTM_DELLINK", interface)
        // Like the kernel: deleting either end of a veth deletes the pair.
        let pair = pairs.first { $0.0 == index || $0.1 == index }
        links.removeAll { $0.index == index || $0.index == pair?.0 || $0.index == pair?.1 }
    }
    public func addresses(_ socket: Int32) throws -> [AddressEntry] {
        try call("RTM_GETADDR dump", "RTM_GETADDR", "all interfaces")
        return hostAddresses
    }
    public func hasEffectiveCapability(_ capability: Int32) -> Bool {
        note("capget effective \(capability)")
        return effectiveCapabilities.map { $0.contains(capability) } ?? (uid == 0)
    }
    public func processExists(_ pid: Int32) -> Bool {
        note("kill \(pid) 0")
        return livePids.contains(pid)
    }
    public func sleep(milliseconds: Int) { note("sleep \(milliseconds) ms") }

    public func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws {
        try call("setrlimit \(resource) \(soft) \(hard)", "setrlimit", String(resource))
    }
    public func setgroups(_ groups: [UInt32]) throws { try call("setgroups \(groups)", "setgroups", "\(groups)") }
    public func setresgid(_ gid: UInt32) throws { try call("setresgid \(gid)", "setresgid", String(gid)) }
    public func setresuid(_ uid: UInt32) throws { try call("setresuid \(uid)", "setresuid", String(uid)) }
    public func setCapabilities(keep: [Int32]) throws { try call("capabilities keep \(keep)", "capset", "\(keep)") }
    public func setNoNewPrivileges() throws { try call("no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)", "") }
    public func setNotDumpable() throws { try call("not dumpable", "prctl(PR_SET_DUMPABLE)", "") }
    public func setParentDeathSignal(_ signal: Int32) throws { try call("pdeathsig \(signal)", "prctl(PR_SET_PDEATHSIG)", "") }
    public func setsid() throws { try call("setsid", "setsid", "") }
    public func closeOnExec(from first: Int32) throws { try call("close_range \(first).. cloexec", "close_range", "") }
    public func spawn(_ path: String, _ args: [String], _ env: [String]) throws -> Int32 {
        try call("posix_spawn \(path) \(args) \(env) = \(nextPid)", "posix_spawn", path)
        nextPid += 1
        return nextPid - 1
    }
    public func execve(_ path: String, _ args: [String], _ env: [String]) -> Int32 {
        let failing = calls == failAt
        calls += 1
        trace.append("execve \(path) \(args) \(env)" + (failing ? " = -1 \(failErrno)" : ""))
        return failing ? failErrno : 0
    }
}
