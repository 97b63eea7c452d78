import Foundation
import System
import SyscallFilter

/// A model of the kernel for the executor's tests. It records every call in one ordered, typed
/// `trace`; it runs the processes of a run (parent, child, PID 1, the command) as processes of
/// its own, each on a thread, one at a time and in a fixed order (a process runs until it waits
/// for something, then the first process that can go on runs), so a trace is the same on every
/// run; it passes the messages of the socket pair between them, with end of file when every
/// holder of the other end has closed it, exited or exec'd; and it keeps the few rules of the
/// kernel that an order mistake breaks: user namespaces whose maps are written once, setgroups
/// before gid_map, no file created nor id changed before the maps exist, nor by a process whose own ids they leave out.
///
/// A call can be chosen to fail (`inject`), by its index or by what it is.
public final class FakeKernel: SystemCalls, @unchecked Sendable {
    // MARK: Configuration (set before the run)

    public var uid: UInt32 = 1000
    public var files: [String: String] = [
        "/proc/sys/user/max_user_namespaces": "63000\n",
        "/etc/subuid": "tester:100000:65536\nroot:200000:65536\n",
        "/etc/subgid": "tester:100000:65536\nroot:200000:65536\n",
        "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000::/home/tester:/bin/sh\n",
        "/proc/filesystems": "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\text4\nnodev\toverlay\n",
    ]
    public var missing: Set<String> = []
    /// The user namespace that owns each namespace file (its inode and creator's uid), as
    /// NS_GET_USERNS tells a process of the initial user namespace; another one is told EPERM
    /// for any owner but its own namespace (the model has no deeper nesting).
    public var namespaceOwners: [String: (userNamespace: UInt64, uid: UInt32)] = [:]
    /// Regular files of the model with binary contents (an executable's ELF header), by path.
    public var binaries: [String: [UInt8]] = [:]
    /// How the command ends, once exec'd or spawned.
    public var commandStatus: ExitStatus = .exited(0)
    /// What the kernel says besides the errno for an injected failure (netlink's extended ACK).
    public var failDetail: String?
    /// Which process runs after a clone: the one that made it, until it waits (`makerFirst`, the
    /// goldens' order), or the new one (`newFirst`). A correct plan works either way, as it
    /// must with the real scheduler.
    public enum Schedule: Sendable { case makerFirst, newFirst }
    public var schedule = Schedule.makerFirst
    /// nsspec is reported gone by the pidfd PID 1 checks.
    public var parentGoneBeforePdeathsig = false
    // Network: one table of links and one of addresses, for the host and the sandbox alike.
    public var links: [LinkInfo] = [LinkInfo(index: 1, name: "lo")]
    public var hostAddresses: [AddressEntry] = []
    /// Processes outside the run that `processExists` reports alive.
    public var livePids: Set<Int32> = []
    /// Capabilities of the effective set; nil: all of them for uid 0, none otherwise.
    public var effectiveCapabilities: Set<Capability>?
    /// Lookups of a link by name after which it is gone (a leftover the kernel is removing).
    public var vanishAfterLookups: [String: Int] = [:]
    // Host facts, for `doctor`.
    public var release = (release: "6.1.0-test", machine: "x86_64")
    /// What a probe of each system call answers (absent from the table: EINVAL, the call exists).
    public var probes: [ProbedSystemCall: Errno?] = [:]
    /// Modes and owners by path; a path not listed is a root-owned 0755 directory (a 0644 file
    /// when `binaries` has it), or the setuid-root 04755 of a map helper (newuidmap, newgidmap).
    public var statuses: [String: FileStatus] = [:]
    /// File capabilities by path (none when not listed).
    public var fileCaps: [String: String] = [:]

    // MARK: What the run did

    public private(set) var trace: [TraceEntry] = []
    /// What nsspec printed on standard error.
    public private(set) var logged = ""
    /// How many calls that can fail were made.
    public private(set) var calls = 0
    /// Processes of the run still alive when nsspec returned (none may be).
    public private(set) var leftBehind: [String] = []
    /// nsspec's children that it did not reap.
    public private(set) var unreaped: [String] = []
    /// Set when every process waited for another: the run could never have finished.
    public private(set) var deadlock: String?

    public init() {
        let parent = Process(pid: 42, name: "parent", parent: 1, userNamespace: UserNamespace(initial: true))
        for fd: Int32 in 0...2 { parent.fds[fd] = .other("stdio") }
        processes = [parent]
        running = parent
    }

    // MARK: Failure injection

    /// A call chosen to fail: the `index`-th call that can fail, or the `nth` call (1-based) that
    /// `matches`.
    public final class Injection: @unchecked Sendable {
        let index: Int?
        let matches: ((Call) -> Bool)?
        let nth: Int
        let errno: Errno
        var seen = 0

        init(index: Int?, matches: ((Call) -> Bool)?, nth: Int, errno: Errno) {
            self.index = index
            self.matches = matches
            self.nth = nth
            self.errno = errno
        }

        public static func call(_ index: Int, _ errno: Errno = .EPERM) -> Injection {
            Injection(index: index, matches: nil, nth: 1, errno: errno)
        }

        public static func nth(_ nth: Int = 1, _ errno: Errno = .EPERM, where matches: @escaping (Call) -> Bool) -> Injection {
            Injection(index: nil, matches: matches, nth: nth, errno: errno)
        }

        func fires(_ call: Call, at index: Int) -> Bool {
            if let i = self.index { return i == index }
            guard let matches, matches(call) else { return false }
            seen += 1
            return seen == nth
        }
    }

    public var injections: [Injection] = []
    public func inject(_ injection: Injection) { injections.append(injection) }

    // MARK: Processes

    final class UserNamespace {
        var uidMap: String?
        var gidMap: String?
        var setgroups = "allow"
        let initial: Bool
        init(initial: Bool) {
            self.initial = initial
            if initial { (uidMap, gidMap) = ("0 0 4294967295\n", "0 0 4294967295\n") }
        }
        var mapped: Bool { uidMap != nil && gidMap != nil }

        /// The host id of `id` inside, through `map` ("INSIDE OUTSIDE COUNT" lines); nil when
        /// the map does not hold it.
        static func toHost(_ id: UInt32, _ map: String?) -> UInt32? {
            for (inside, outside, count) in lines(map) where inside <= UInt64(id) && UInt64(id) < inside + count {
                return UInt32(outside + (UInt64(id) - inside))
            }
            return nil
        }

        /// Whether `map` gives the host id `id` an id inside.
        static func holds(host id: UInt32, _ map: String?) -> Bool {
            lines(map).contains { _, outside, count in outside <= UInt64(id) && UInt64(id) < outside + count }
        }

        private static func lines(_ map: String?) -> [(UInt64, UInt64, UInt64)] {
            (map ?? "").split(separator: "\n").compactMap { line in
                let f = line.split(separator: " ").compactMap { UInt64($0) }
                return f.count == 3 ? (f[0], f[1], f[2]) : nil
            }
        }
    }

    /// What an fd refers to: one end of a socket pair, or anything else (by a name).
    final class SocketEnd {
        var inbox: [(Message, Object?)] = []
        weak var peer: SocketEnd?
        var holders = 0
    }

    enum Object {
        case socket(SocketEnd)
        case pidfd(Int32)
        /// An rtnetlink socket, which works in the net namespace it was opened in.
        case netlink(namespace: Int)
        /// /proc/self/ns/net opened: that net namespace.
        case netNamespace(Int)
        case other(String)
    }

    private var netNamespaces = 0
    private func newNetNamespace() -> Int {
        netNamespaces += 1
        return netNamespaces
    }
    /// The net namespace of each link that is not the host's, by index.
    private var linkNamespace: [Int32: Int] = [:]

    /// The links seen through an rtnetlink socket: those of its namespace.
    private func links(seenThrough socket: Int32) -> [LinkInfo] {
        guard case .netlink(let ns)? = current.fds[socket] else { return [] }
        return links.filter { (linkNamespace[$0.index] ?? 0) == ns || $0.name == "lo" }
    }

    final class Process {
        let pid: Int32
        let name: String
        var parent: Int32
        var fds: [Int32: Object] = [:]
        var userNamespace: UserNamespace
        /// 0: the host's; links made in or moved to another live in that one.
        var netNamespace = 0
        /// unshare(CLONE_NEWPID) was called: the next child is PID 1 of a new pid namespace.
        var newPidNamespaceForChildren = false
        var isNamespaceInit = false
        var cwd = "/"
        var killed = false
        /// The pid of the process that killed it (0: the kernel, with its pid namespace).
        var killedBy: Int32?
        var replaced = false
        var finished = false
        var status: ExitStatus?
        var reaped = false
        /// What it waits for, while it waits.
        var waitingFor: (() -> Bool)?
        /// The seccomp filters loaded, inherited by the processes it makes.
        var filters: [Filter] = []
        /// Its uid and gid in the host's user namespace (the kernel's kuid and kgid); nil: the
        /// model's `uid` (the caller's), which it has until it changes them.
        var hostUid: UInt32?
        var hostGid: UInt32?
        var waitingOn = ""

        init(pid: Int32, name: String, parent: Int32, userNamespace: UserNamespace) {
            self.pid = pid
            self.name = name
            self.parent = parent
            self.userNamespace = userNamespace
        }
    }

    private let baton = NSCondition()
    private var processes: [Process] = []
    private var running: Process
    private var nextPid: Int32 = 100

    /// The process making the calls now.
    private var current: Process { running }

    /// Runs `body` as nsspec's own process (the parent); when it returns, every process still
    /// alive is recorded in `leftBehind` and killed, so that no thread of the model outlives the run.
    public func runAsParent(_ body: () -> Int32) -> Int32 {
        let code = body()
        let parent = processes[0]
        parent.finished = true
        parent.status = .exited(code)
        closeAll(parent)
        // SIGKILLed processes are gone, if not yet reaped; any other is left behind.
        for process in processes where !process.finished && process !== parent {
            if !process.killed { leftBehind.append("\(process.name) (pid \(process.pid))") }
            process.killed = true
        }
        for process in processes where !process.finished && process !== parent {
            while !process.finished { switchTo(process) }
        }
        // A process killed by another of the sandbox's (PID 1 by the child that made it) is
        // reaped when nsspec exits, by whoever inherits it; nsspec's own kills it reaps.
        unreaped = processes.filter { $0.parent == parent.pid && !$0.reaped && ($0.killedBy ?? parent.pid) == parent.pid }
            .map { "\($0.name) (pid \($0.pid))" }
        return code
    }

    // MARK: Scheduling

    private func ready(_ p: Process) -> Bool { !p.finished && (p.killed || p.waitingFor?() ?? true) }

    /// The first process that can go on, in the order they were made; else the first that has
    /// not finished (it finds out it cannot, and reports the deadlock).
    private func nextProcess() -> Process? {
        processes.first { $0 !== current && ready($0) }
    }

    fileprivate func waitForTurn(_ p: Process) {
        baton.lock()
        while running !== p { baton.wait() }
        baton.unlock()
    }

    /// The end of a process's thread: the process ends, and the next one runs (nsspec's own,
    /// draining the model, when none is left).
    fileprivate func finish(_ p: Process, code: Int32) {
        end(p, code: code)
        let next = nextProcess() ?? processes.first { !$0.finished } ?? processes[0]
        baton.lock()
        running = next
        baton.broadcast()
        baton.unlock()
    }

    private func switchTo(_ next: Process) {
        let me = running
        baton.lock()
        running = next
        baton.broadcast()
        while running !== me { baton.wait() }
        baton.unlock()
    }

    /// Waits until `condition` holds, letting the other processes run meanwhile.
    private func block(_ what: String, until condition: @escaping () -> Bool) throws {
        let me = current
        me.waitingFor = condition
        me.waitingOn = what
        defer { me.waitingFor = nil }
        while !condition() {
            if me.killed { throw SystemError(what, "killed", errno: .EINTR) }
            guard let next = nextProcess() else {
                let waits = processes.filter { !$0.finished }.map { "\($0.name) waits on \($0.waitingOn)" }
                deadlock = waits.joined(separator: "; ")
                throw SystemError(what, "deadlock: \(deadlock!)", errno: .EDEADLK)
            }
            switchTo(next)
        }
        if me.killed { throw SystemError(what, "killed", errno: .EINTR) }
    }

    private func lowestFreeFd(_ p: Process) -> Int32 {
        var fd: Int32 = 0
        while p.fds[fd] != nil { fd += 1 }
        return fd
    }

    private func install(_ object: Object, in p: Process) -> Int32 {
        let fd = lowestFreeFd(p)
        if case .socket(let end) = object { end.holders += 1 }
        p.fds[fd] = object
        return fd
    }

    private func release(_ fd: Int32, in p: Process) {
        guard let object = p.fds.removeValue(forKey: fd) else { return }
        if case .socket(let end) = object { end.holders -= 1 }
    }

    private func closeAll(_ p: Process) {
        for fd in p.fds.keys.sorted() { release(fd, in: p) }
    }

    private func process(_ pid: Int32) -> Process? { processes.first { $0.pid == pid } }

    /// A process ends: it is marked finished, its fds are closed, and another one runs.
    private func end(_ p: Process, code: Int32) {
        p.finished = true
        p.status = p.killed ? .signaled(Signal.SIGKILL.rawValue) : p.replaced ? commandStatus : .exited(code)
        closeAll(p)
        // PID 1 of a pid namespace takes every process of it along.
        if p.isNamespaceInit {
            for other in processes where other.parent == p.pid && !other.finished { other.killed = true }
        }
    }

    // MARK: Recording

    private func record(_ call: Call, _ outcome: Outcome = .done) {
        trace.append(TraceEntry(process: current.name, call: call, outcome: outcome))
    }

    /// Every call goes through here: a killed process makes none; a call chosen to fail fails.
    private func enter(_ call: Call, object: @autoclosure () -> String = "") throws {
        if current.killed { throw SystemError(call.op, "killed", errno: .EINTR) }
        // A loaded filter judges the call by its name (a rule with conditions counts as matching).
        if let name = call.syscallName {
            for filter in current.filters {
                let action = filter.rules.first { $0.name == name }?.action ?? filter.defaultAction
                if action != .allow {
                    record(call, .failed(action == .deny ? .EPERM : .ENOSYS))
                    throw SystemError(call.op, "seccomp", errno: action == .deny ? .EPERM : .ENOSYS)
                }
            }
        }
        guard call.canFail else { return }
        let index = calls
        calls += 1
        if let injection = injections.first(where: { $0.fires(call, at: index) }) {
            record(call, .failed(injection.errno))
            throw SystemError(call.op, object(), errno: injection.errno, detail: failDetail)
        }
    }

    /// A call that changes nothing nsspec can see.
    private func note(_ call: Call) {
        if !current.killed { record(call) }
    }

    private func fail(_ call: Call, _ errno: Errno, _ object: String) throws -> Never {
        record(call, .failed(errno))
        throw SystemError(call.op, object, errno: errno)
    }

    /// The current process's user namespace has no uid or gid map yet, or its maps leave out
    /// the process's own uid or gid: the kernel refuses to create a file (EOVERFLOW: no mapped
    /// owner) or to change to an id.
    private func requireMaps(_ call: Call, _ object: String) throws {
        let ns = current.userNamespace
        if !ns.mapped { try fail(call, .EOVERFLOW, object) }
        if !UserNamespace.holds(host: current.hostUid ?? uid, ns.uidMap) || !UserNamespace.holds(host: current.hostGid ?? uid, ns.gidMap) {
            try fail(call, .EOVERFLOW, object)
        }
    }

    // MARK: - SystemCalls: identity and host state

    public func getpid() -> Int32 { current.pid }
    public func getppid() -> Int32 { current.isNamespaceInit ? 0 : current.parent }
    public func identity() -> (uid: UInt32, gid: UInt32, root: Bool) { (uid, uid, uid == 0) }

    public func readFile(_ source: FileSource, limit: Int) throws -> FileContents {
        guard case .path(let path) = source else { throw SystemError("read", "standard input", errno: .EBADF) }
        if let bytes = cacheFiles[path] { return FileContents(bytes: Array(bytes.prefix(limit)), size: bytes.count) }
        let call = Call.read(path)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        if let contents = binaries[path] {
            record(call)
            return FileContents(bytes: Array(contents.prefix(limit)), size: contents.count)
        }
        let text: String? = path == "/proc/self/setgroups" ? files[path] ?? current.userNamespace.setgroups + "\n" : files[path]
        guard let text else { try fail(call, .ENOENT, path) }
        record(call)
        let bytes = Array(text.utf8.prefix(limit))
        return FileContents(bytes: bytes, size: bytes.count)
    }

    public func fileKind(_ path: String) throws -> FileKind {
        let call = Call.stat(path)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        record(call)
        if binaries[path] != nil { return .regular }
        let devices = ["/null", "/zero", "/full", "random", "/tty"]
        return devices.contains { path.hasSuffix($0) } ? .other : .directory
    }

    /// The model's tree has no symlinks: a path is its own resolution.
    public func canonicalPath(_ path: String) throws -> String {
        let call = Call.realpath(path)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        record(call)
        return path
    }

    public func isExecutable(_ path: String) -> Bool {
        note(.access(path))
        return !missing.contains(path)
    }

    public func environment() -> [String] { ["PATH=/usr/bin:/bin", "TERM=xterm", "SECRET=host"] + extraEnvironment }
    public func environmentValue(_ name: String) -> String? {
        environment().last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }
    public func now() -> UInt64 { 0 }

    public func kernelRelease() -> (release: String, machine: String) {
        note(.uname)
        return release
    }

    public func probeSystemCall(_ call: ProbedSystemCall) -> Errno? {
        note(.probe(call.rawValue))
        if let answer = probes[call] { return answer }
        return .EINVAL
    }

    public func fileStatus(_ path: String) throws -> FileStatus {
        let call = Call.stat(path)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        record(call)
        if let status = statuses[path] { return status }
        if path.hasSuffix("/newuidmap") || path.hasSuffix("/newgidmap") { return FileStatus(mode: 0o104755, owner: 0) }
        // As fileKind: a directory, root's and open to all, unless the model has a file there.
        return binaries[path] != nil ? FileStatus(mode: 0o100644, owner: 0) : FileStatus(mode: 0o040755, owner: 0)
    }

    /// lstat: `linkStatuses` (a symlink's own status) first, then `statuses`; ENOENT else.
    public var linkStatuses: [String: FileStatus] = [:]
    public func linkStatus(_ path: String) throws -> FileStatus {
        guard let status = linkStatuses[path] ?? statuses[path] else { throw SystemError("lstat", path, errno: .ENOENT) }
        return status
    }

    public func fileCapabilities(_ path: String) throws -> String? {
        let call = Call.getFileCapabilities(path)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        record(call)
        return fileCaps[path]
    }
    public func write(_ text: String, to fd: Int32) { if fd == 2 && !current.killed { logged += text } }

    // MARK: Processes and sockets

    /// What the kernel answers to a new user namespace, from the model's sysctl files.
    private func userNamespaceRefusal() -> Errno? {
        if files["/proc/sys/user/max_user_namespaces"] == "0\n" { return .ENOSPC }
        if uid != 0 && files["/proc/sys/kernel/unprivileged_userns_clone"] == "0\n" { return .EPERM }
        if uid != 0 && files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] == "1\n" { return .EACCES }
        return nil
    }

    public func clone(_ flags: CloneFlags, name: String, _ body: @escaping () -> Int32) throws -> Int32 {
        let call = Call.clone(flags, name: name)
        try enter(call, object: flags.description)
        if flags.contains(.newUser), let refused = userNamespaceRefusal() { try fail(call, refused, flags.description) }
        let maker = current
        let pid = nextPid
        nextPid += 1
        let child = Process(pid: pid, name: name, parent: flags.contains(.parent) ? maker.parent : maker.pid,
                            userNamespace: flags.contains(.newUser) ? UserNamespace(initial: false) : maker.userNamespace)
        child.isNamespaceInit = flags.contains(.newPID) || maker.newPidNamespaceForChildren
        child.netNamespace = flags.contains(.newNet) ? newNetNamespace() : maker.netNamespace
        child.cwd = maker.cwd
        child.filters = maker.filters
        (child.hostUid, child.hostGid) = (maker.hostUid, maker.hostGid)
        for (fd, object) in maker.fds {
            if case .socket(let end) = object { end.holders += 1 }
            child.fds[fd] = object
        }
        processes.append(child)
        record(call, .value(pid))
        let runner = Runner(kernel: self, process: child, body: body)
        let thread = Thread { runner.main() }
        thread.stackSize = 1 << 22
        thread.start()
        if schedule == .newFirst { switchTo(child) }
        return pid
    }

    public func openPidfd(_ pid: Int32) throws -> Int32 {
        let call = Call.pidfdOpen(pid)
        try enter(call, object: String(pid))
        let fd = install(.pidfd(pid), in: current)
        record(call, .value(fd))
        return fd
    }

    public func hasExited(pidfd: Int32) -> Bool {
        note(.pidfdPoll(pidfd))
        guard case .pidfd(let pid)? = current.fds[pidfd] else { return false }
        return parentGoneBeforePdeathsig || process(pid)?.finished ?? true
    }

    public func socketPair() throws -> (Int32, Int32) {
        try enter(.socketPair)
        let a = SocketEnd(), b = SocketEnd()
        a.peer = b
        b.peer = a
        let fds = (install(.socket(a), in: current), install(.socket(b), in: current))
        record(.socketPair, .pair(fds.0, fds.1))
        return fds
    }

    public func close(_ fd: Int32) {
        note(.close(fd))
        if !current.killed { release(fd, in: current) }
    }

    public func send(_ message: Message, passing fd: Int32?, on socket: Int32) throws {
        let call = Call.send(message, passing: fd, on: socket)
        try enter(call, object: "socket \(socket)")
        guard case .socket(let end)? = current.fds[socket] else { try fail(call, .ENOTSOCK, "fd \(socket)") }
        guard let peer = end.peer, peer.holders > 0 else { try fail(call, .EPIPE, "socket \(socket)") }
        peer.inbox.append((message, fd.flatMap { current.fds[$0] }))
        record(call)
    }

    public func receive(on socket: Int32) throws -> Received? {
        let call = Call.receive(on: socket)
        try enter(call)
        guard case .socket(let end)? = current.fds[socket] else { try fail(call, .ENOTSOCK, "fd \(socket)") }
        try block("receive on \(socket)") { !end.inbox.isEmpty || (end.peer?.holders ?? 0) == 0 }
        guard !end.inbox.isEmpty else {
            record(call, .received(nil))
            return nil
        }
        let (message, object) = end.inbox.removeFirst()
        let received = Received(message, fd: object.map { install($0, in: current) })
        record(call, .received(received))
        return received
    }

    public func waitpid(_ pid: Int32) throws -> ExitStatus {
        let call = Call.waitpid(pid)
        try enter(call, object: String(pid))
        guard let child = process(pid), child.parent == current.pid, !child.reaped else { try fail(call, .ECHILD, String(pid)) }
        try block("waitpid \(pid)") { child.finished }
        child.reaped = true
        record(call, .status(pid: pid, child.status!))
        return child.status!
    }

    public func waitAny() throws -> (pid: Int32, status: ExitStatus)? {
        try enter(.waitAny)
        let me = current
        let children = { self.processes.filter { $0.parent == me.pid && !$0.reaped } }
        guard !children().isEmpty else {
            record(.waitAny, .failed(.ECHILD))
            return nil
        }
        try block("waitpid -1") { children().contains { $0.finished } }
        let child = children().first { $0.finished }!
        child.reaped = true
        record(.waitAny, .status(pid: child.pid, child.status!))
        return (child.pid, child.status!)
    }

    public func kill(_ pid: Int32, _ signal: Signal) {
        note(.kill(pid, signal))
        guard !current.killed, signal == .SIGKILL, let target = process(pid), !target.finished else { return }
        target.killed = true
        target.killedBy = current.pid
        // A helper daemon (pasta) has no body here: it runs until killed.
        if target.name == "helper" {
            target.finished = true
            target.status = .signaled(9)
        }
    }

    public func runHelper(_ path: String, _ args: [String]) throws -> ExitStatus {
        let call = Call.helper(path, args)
        try enter(call, object: path)
        record(call)
        // newuidmap/newgidmap PID LINES…: the map of that process's user namespace, once.
        guard let pid = args.first.flatMap(Int32.init), let target = process(pid), !target.userNamespace.initial else { return .exited(1) }
        let text = stride(from: 1, to: args.count - 2, by: 3).map { "\(args[$0]) \(args[$0 + 1]) \(args[$0 + 2])\n" }.joined()
        if !Self.mapFits(text) { return .exited(1) }  // its write(2) fails with EINVAL
        if path.hasSuffix("newuidmap") {
            if target.userNamespace.uidMap != nil { return .exited(1) }
            target.userNamespace.uidMap = text
        } else {
            if target.userNamespace.gidMap != nil { return .exited(1) }
            target.userNamespace.gidMap = text
        }
        return .exited(0)
    }

    public func forwardSignals(_ signals: [Signal], to pid: Int32) { note(.forwardSignals(signals, to: pid)) }
    public func ignoreSignals(_ signals: [Signal]) { note(.ignoreSignals(signals)) }
    public func defaultSignals(_ signals: [Signal]) { note(.defaultSignals(signals)) }
    public func resetSignals() { note(.resetSignals) }

    // MARK: Namespaces and maps

    public func unshare(_ flags: CloneFlags) throws {
        let call = Call.unshare(flags)
        try enter(call)
        if flags.contains(.newUser) {
            if let refused = userNamespaceRefusal() { try fail(call, refused, "") }
            current.userNamespace = UserNamespace(initial: false)
        }
        if flags.contains(.newPID) { current.newPidNamespaceForChildren = true }
        if flags.contains(.newNet) { current.netNamespace = newNetNamespace() }
        record(call)
    }

    /// Modelled as a setns of the path `pidfd N` (the same effects, all flags at once).
    public var pidfdSetnsRefused = false
    public func setns(pidfd: Int32, _ flags: CloneFlags) throws {
        if pidfdSetnsRefused {
            record(.setns("pidfd \(pidfd)", flags), .failed(.EINVAL))
            throw SystemError("setns", "pidfd \(flags)", errno: .EINVAL)
        }
        try setns(path: "pidfd \(pidfd)", flags)
    }

    public func setns(path: String, _ flags: CloneFlags) throws {
        let call = Call.setns(path, flags)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        if flags.contains(.newUser) {
            let joined = UserNamespace(initial: false)
            // A namespace that maps the joining process's own ids (as one it made would).
            (joined.uidMap, joined.gidMap) = ("0 \(current.hostUid ?? uid) 1\n", "0 \(current.hostGid ?? uid) 1\n")
            joined.setgroups = files["/proc/self/setgroups"].map { $0.hasPrefix("deny") ? "deny" : "allow" } ?? "allow"
            current.userNamespace = joined
        }
        if flags.contains(.newNet) { current.netNamespace = newNetNamespace() }
        record(call)
    }

    public static let initialUserNamespace: UInt64 = 0xEFFF_FFFD
    public static let joinedUserNamespace: UInt64 = 4_026_532_999

    public func namespaceOwner(_ path: String) throws -> (userNamespace: UInt64, uid: UInt32) {
        let call = Call.namespaceOwner(path)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        guard let owner = namespaceOwners[path], current.userNamespace.initial || owner.userNamespace == Self.joinedUserNamespace else {
            try fail(call, .EPERM, path)
        }
        record(call)
        return owner
    }

    public func namespaceInode(_ path: String) throws -> UInt64 {
        let call = Call.namespaceInode(path)
        try enter(call, object: path)
        record(call)
        return current.userNamespace.initial ? Self.initialUserNamespace : Self.joinedUserNamespace
    }

    public func writeFile(_ path: String, _ contents: String) throws {
        let call = Call.writeFile(path, contents)
        try enter(call, object: path)
        let parts = path.split(separator: "/")
        if parts.count == 3, parts[0] == "proc", ["setgroups", "uid_map", "gid_map"].contains(String(parts[2])) {
            if parts[2] != "setgroups" && !Self.mapFits(contents) { try fail(call, .EINVAL, path) }
            let target = parts[1] == "self" ? current : Int32(parts[1]).flatMap(process)
            guard let target, !target.finished else { try fail(call, .ENOENT, path) }
            let ns = target.userNamespace
            switch parts[2] {
            case "setgroups":
                // Only before gid_map is written.
                if ns.initial || ns.gidMap != nil { try fail(call, .EPERM, path) }
                ns.setgroups = contents
            case "uid_map":
                if ns.initial || ns.uidMap != nil || (uid != 0 && !ownIdOnce(contents)) { try fail(call, .EPERM, path) }
                ns.uidMap = contents
            default:
                // An unprivileged writer may map its own gid only once setgroups is denied.
                if ns.initial || ns.gidMap != nil || (uid != 0 && (!ownIdOnce(contents) || ns.setgroups != "deny")) {
                    try fail(call, .EPERM, path)
                }
                ns.gidMap = contents
            }
        }
        record(call)
    }

    /// map_write's limits: less than a page (4096 bytes) in one write, at most 340 lines.
    static func mapFits(_ text: String) -> Bool {
        text.utf8.count < 4096 && text.split(separator: "\n").count <= 340
    }

    /// "INSIDE <the caller's own id> 1", one line.
    private func ownIdOnce(_ map: String) -> Bool {
        let fields = map.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return fields.count == 3 && fields[1] == Substring(String(uid)) && fields[2] == "1"
    }

    public func sethostname(_ name: String) throws {
        try enter(.sethostname(name), object: name)
        record(.sethostname(name))
    }

    public func setdomainname(_ name: String) throws {
        try enter(.setdomainname(name), object: name)
        record(.setdomainname(name))
    }

    // MARK: Mounts

    public func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws {
        let call = Call.mount(source: source, target: target, type: type, flags: flags, data: data)
        try enter(call, object: target)
        record(call)
    }

    public func mountSetattr(_ path: String, recursive: Bool, set: MountAttributes, clear: MountAttributes, propagation: MountFlags) throws {
        let call = Call.mountSetattr(path, recursive: recursive, set: set, clear: clear, propagation: propagation)
        try enter(call, object: path)
        record(call)
    }

    public func bindTree(_ source: String, onto target: String, recursive: Bool, set: MountAttributes, clear: MountAttributes,
                         attributesRecursive: Bool, propagation: MountFlags) throws {
        let call = Call.bindTree(source, onto: target, recursive: recursive, set: set, clear: clear, propagation: propagation)
        try enter(call, object: target)
        record(call)
    }

    public func umount(_ target: String, detach: Bool) throws {
        try enter(.umount(target, detach: detach), object: target)
        record(.umount(target, detach: detach))
    }

    public func mkdir(_ path: String, mode: UInt32) throws {
        let call = Call.mkdir(path, mode: mode)
        try enter(call, object: path)
        try requireMaps(call, path)
        record(call)
    }

    public func pivotRoot(_ newRoot: String, _ putOld: String) throws {
        try enter(.pivotRoot(newRoot, putOld), object: newRoot)
        record(.pivotRoot(newRoot, putOld))
    }

    public func chdir(_ path: String) throws {
        try enter(.chdir(path), object: path)
        record(.chdir(path))
        current.cwd = path
    }

    public func currentDirectory() throws -> String {
        try enter(.getcwd)
        record(.getcwd)
        return current.cwd
    }

    public func open(_ path: String, _ flags: OpenFlags) throws -> Int32 {
        let call = Call.open(path, flags)
        try enter(call, object: path)
        let fd = install(path == "/proc/self/ns/net" ? .netNamespace(current.netNamespace) : .other(path), in: current)
        record(call, .value(fd))
        return fd
    }

    public func openInRoot(_ root: Int32, _ path: String, _ flags: OpenFlags, mode: UInt32) throws -> Int32 {
        try openAt(.openInRoot(root, path, flags), path, flags)
    }

    public func openBeneath(_ dir: Int32, _ path: String, _ flags: OpenFlags, mode: UInt32) throws -> Int32 {
        try openAt(.openBeneath(dir, path, flags), path, flags)
    }

    /// openat2 in the model: ENOENT for the paths marked missing; creating needs the id maps.
    private func openAt(_ call: Call, _ path: String, _ flags: OpenFlags) throws -> Int32 {
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        if flags.contains(.create) { try requireMaps(call, path) }
        let fd = install(.other(path), in: current)
        record(call, .value(fd))
        return fd
    }

    public func mkdirAt(_ dir: Int32, _ name: String, mode: UInt32) throws {
        let call = Call.mkdirAt(dir, name, mode: mode)
        try enter(call, object: name)
        try requireMaps(call, name)
        record(call)
    }

    public func symlinkAt(_ link: String, _ dir: Int32, _ name: String) throws {
        let call = Call.symlinkAt(link, dir, name)
        try enter(call, object: name)
        try requireMaps(call, name)
        record(call)
    }

    /// The model's tree has no symlinks (the real ones are tested in Tests/integration).
    public func readlinkAt(_ dir: Int32, _ name: String) throws -> String? {
        try enter(.readlinkAt(dir, name), object: name)
        record(.readlinkAt(dir, name))
        return nil
    }

    public func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        try enter(.writeAll(fd, bytes: bytes.count), object: "fd \(fd)")
        record(.writeAll(fd, bytes: bytes.count))
    }

    public func fchmod(_ fd: Int32, _ mode: UInt32) throws {
        try enter(.fchmod(fd, mode), object: "fd \(fd)")
        record(.fchmod(fd, mode))
    }

    // MARK: Network

    private var nextIndex: Int32 = 2
    private var pairs: [(Int32, Int32)] = []

    public func openNetlink() throws -> Int32 {
        try enter(.netlinkSocket, object: "AF_NETLINK")
        let fd = install(.netlink(namespace: current.netNamespace), in: current)
        record(.netlinkSocket, .value(fd))
        return fd
    }

    public func link(_ socket: Int32, _ key: LinkKey) throws -> LinkInfo? {
        try enter(.getLink(key), object: key.description)
        record(.getLink(key))
        if case .name(let name) = key, let left = vanishAfterLookups[name] {
            if left == 0 { links.removeAll { $0.name == name } }
            vanishAfterLookups[name] = left - 1
        }
        return links(seenThrough: socket).first {
            switch key {
            case .name(let name): $0.name == name
            case .index(let index): $0.index == index
            }
        }
    }

    public func createVeth(_ socket: Int32, _ r: VethRequest) throws -> LinkInfo? {
        try enter(.createVeth(r), object: r.hostName ?? r.peerName)
        record(.createVeth(r))
        let host = LinkInfo(index: nextIndex, name: r.hostName ?? "veth\(nextIndex)", kind: "veth")
        links += [host, LinkInfo(index: nextIndex + 1, name: r.peerName, kind: "veth")]
        if case .netlink(let ns)? = current.fds[socket], ns != 0 { linkNamespace[nextIndex] = ns }
        // The peer in the net namespace of that process (the host's, if it has none yet).
        if let peerNamespace = process(r.peerNamespacePid)?.netNamespace, peerNamespace != 0 {
            linkNamespace[nextIndex + 1] = peerNamespace
        }
        pairs.append((nextIndex, nextIndex + 1))
        nextIndex += 2
        return host
    }

    public func setLink(_ socket: Int32, _ name: String, up: Bool, alias: String?) throws {
        let call = Call.setLink(name, up: up, alias: alias)
        try enter(call, object: name)
        if !links(seenThrough: socket).contains(where: { $0.name == name }) { try fail(call, .ENODEV, name) }
        record(call)
    }

    public func addAddress(_ socket: Int32, index: Int32, interface: String, _ address: InterfaceAddress) throws {
        let call = Call.addAddress(address, interface: interface, index: index)
        try enter(call, object: interface)
        record(call)
    }

    public func addRoute(_ socket: Int32, index: Int32, interface: String, _ route: RouteRequest) throws {
        let call = Call.addRoute(route, interface: interface, index: index)
        try enter(call, object: interface)
        record(call)
    }

    public func deleteLink(_ socket: Int32, index: Int32, interface: String) throws {
        try enter(.deleteLink(interface, index: index), object: interface)
        record(.deleteLink(interface, index: index))
        // Like the kernel: deleting either end of a veth deletes the pair.
        let pair = pairs.first { $0.0 == index || $0.1 == index }
        links.removeAll { $0.index == index || $0.index == pair?.0 || $0.index == pair?.1 }
    }

    public func addresses(_ socket: Int32) throws -> [AddressEntry] {
        try enter(.dumpAddresses, object: "all interfaces")
        record(.dumpAddresses)
        return hostAddresses
    }

    public func hasEffectiveCapability(_ capability: Capability) -> Bool {
        note(.capget(capability))
        return effectiveCapabilities.map { $0.contains(capability) } ?? (uid == 0)
    }

    public func processExists(_ pid: Int32) -> Bool {
        note(.processExists(pid))
        return livePids.contains(pid) || process(pid).map { !$0.finished } ?? false
    }

    public func sleep(milliseconds: Int) { note(.sleep(milliseconds)) }

    // MARK: Credentials and the process

    public func setrlimit(_ resource: ResourceLimit, soft: UInt64, hard: UInt64) throws {
        let call = Call.setrlimit(resource.rawValue, soft: soft, hard: hard)
        try enter(call, object: String(resource.rawValue))
        record(call)
    }

    public func setgroups(_ groups: [UInt32]) throws {
        let call = Call.setgroups(groups)
        try enter(call, object: "\(groups)")
        let ns = current.userNamespace
        if !ns.initial && (ns.gidMap == nil || ns.setgroups.hasPrefix("deny")) { try fail(call, .EPERM, "\(groups)") }
        record(call)
    }

    public func setresgid(_ gid: UInt32) throws {
        let call = Call.setresgid(gid)
        try enter(call, object: String(gid))
        if current.userNamespace.gidMap == nil { try fail(call, .EINVAL, String(gid)) }
        guard let host = UserNamespace.toHost(gid, current.userNamespace.gidMap) else { try fail(call, .EINVAL, String(gid)) }
        current.hostGid = host
        record(call)
    }

    public func setresuid(_ uid: UInt32) throws {
        let call = Call.setresuid(uid)
        try enter(call, object: String(uid))
        if current.userNamespace.uidMap == nil { try fail(call, .EINVAL, String(uid)) }
        guard let host = UserNamespace.toHost(uid, current.userNamespace.uidMap) else { try fail(call, .EINVAL, String(uid)) }
        current.hostUid = host
        record(call)
    }

    public func raiseEffectiveCapabilities() throws {
        try enter(.raiseEffectiveCapabilities)
        record(.raiseEffectiveCapabilities)
    }

    /// Linux 5.9+: CAP_CHECKPOINT_RESTORE (40) is the last.
    public var lastCap: Int32 = 40
    public func lastCapability() -> Int32 { lastCap }

    public func dropBoundingSet(keeping keep: [Int32]) throws {
        try enter(.dropBoundingSet(keeping: keep))
        record(.dropBoundingSet(keeping: keep))
    }

    public func setCapabilities(_ keep: [Int32]) throws {
        try enter(.setCapabilities(keep), object: "\(keep)")
        record(.setCapabilities(keep))
    }

    public func setAmbientCapabilities(_ keep: [Int32]) throws {
        try enter(.setAmbientCapabilities(keep))
        record(.setAmbientCapabilities(keep))
    }

    public func setNoNewPrivileges() throws {
        try enter(.noNewPrivileges)
        record(.noNewPrivileges)
    }

    public func setNotDumpable() throws {
        try enter(.notDumpable)
        record(.notDumpable)
    }

    public func setParentDeathSignal(_ signal: Signal) throws {
        try enter(.parentDeathSignal(signal))
        record(.parentDeathSignal(signal))
    }

    public func setsid() throws {
        try enter(.setsid)
        record(.setsid)
    }

    /// The filters compiled, by the index their "BPF" holds.
    private var compiled: [Filter] = []

    public func compileSeccomp(_ filter: Filter) throws -> [UInt8] {
        let call = Call.compileSeccomp(default: filter.defaultAction, rules: filter.rules.count)
        try enter(call)
        record(call)
        compiled.append(filter)
        return withUnsafeBytes(of: UInt64(compiled.count - 1)) { Array($0) }
    }

    public func loadSeccomp(_ program: [UInt8]) throws {
        let call = Call.loadSeccomp(instructions: program.count / 8)
        try enter(call)
        let index = program.withUnsafeBytes { $0.load(as: UInt64.self) }
        current.filters.append(compiled[Int(index)])
        record(call)
    }

    public func seccompCompilerIdentity() -> String { "the model's compiler" }
    // The cache: none unless a test sets a private directory (and HOME or XDG_CACHE_HOME in
    // `extraEnvironment`); its files are `cacheFiles`, bytes by path.
    public var privateDirectories: Set<String> = []
    public var cacheFiles: [String: [UInt8]] = [:]
    /// The user keyring's secret; nil: keyctl fails (EACCES).
    public var keyringSecret: [UInt8]? = Array(0..<16)
    public var extraEnvironment: [String] = []

    public func privateDirectory(_ path: String) -> Bool { privateDirectories.contains(path) }
    public func replaceFile(_ path: String, with bytes: [UInt8]) throws { cacheFiles[path] = bytes }
    /// EEXIST when the model has anything at `path` (a file of `files` or of `cacheFiles`).
    public func createFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws {
        guard cacheFiles[path] == nil, files[path] == nil else { throw SystemError("open", path, errno: .EEXIST) }
        cacheFiles[path] = bytes
    }
    public func replaceFileByRename(_ path: String, with bytes: [UInt8]) throws { cacheFiles[path] = bytes }
    /// EEXIST when the model has anything at `path`, as link(2).
    public func linkNewFile(_ path: String, with bytes: [UInt8]) throws {
        guard cacheFiles[path] == nil, files[path] == nil else { throw SystemError("link", path, errno: .EEXIST) }
        cacheFiles[path] = bytes
    }
    /// The model runs one process at a time: the lock is an fd, never waited for.
    public func lockDirectory(_ path: String) throws -> Int32 {
        guard privateDirectories.contains(path) else { throw SystemError("open", path, errno: .ENOENT) }
        return install(.other(path), in: current)
    }
    public func duplicate(_ fd: Int32, onto target: Int32) throws {
        guard let object = current.fds[fd] else { throw SystemError("dup2", "\(fd) onto \(target)", errno: .EBADF) }
        current.fds[target] = object
    }
    public func cacheSecret() throws -> [UInt8] {
        guard let keyringSecret else { throw SystemError("keyctl", "the user keyring's nsspec:cache-secret", errno: .EACCES) }
        return keyringSecret
    }
    public func buildID() -> [UInt8] { [0xB1, 0x1D] }
    public func directoryEntries(_ path: String) throws -> [String] {
        guard privateDirectories.contains(path) else { throw SystemError("opendir", path, errno: .ENOENT) }
        // The first component of each file below (a subdirectory's name once).
        return Set(cacheFiles.keys.filter { $0.hasPrefix(path + "/") }.map { String($0.dropFirst(path.count + 1).prefix { $0 != "/" }) }).sorted()
    }
    public func removeFile(_ path: String) throws {
        guard cacheFiles.removeValue(forKey: path) != nil else { throw SystemError("unlink", path, errno: .ENOENT) }
    }

    /// Whether nsspec runs from the sealed copy already. A re-exec would start the test binary
    /// again: the model's execveat of the copy fails (ENOEXEC) after it is recorded.
    public var sealedCopy = true
    public func runsFromSealedCopy() -> Bool { sealedCopy }

    public func reexecFromSealedCopy() throws {
        try enter(.reexecSealed)
        try fail(.reexecSealed, .ENOEXEC, "memfd:nsspec")
    }

    /// Serials of the session keyrings made, from this one on.
    private var nextKeyring: Int32 = 700_000_000

    public func joinNewSessionKeyring() throws -> Int32 {
        try enter(.joinSessionKeyring)
        nextKeyring += 1
        record(.joinSessionKeyring, .value(nextKeyring))
        return nextKeyring
    }

    /// The model has no terminal: `terminal: auto` gets none, `true` is refused at preflight.
    public func isTerminal(_ fd: Int32) -> Bool { false }
    public func makeRaw(_ fd: Int32) throws -> [UInt8] { throw SystemError("tcsetattr", "fd \(fd)", errno: .ENOTTY) }
    public func restoreTerminal(_ fd: Int32, _ saved: [UInt8]) {}
    public func copyWindowSize(from: Int32, to: Int32) {}
    public func openDetachedDevpts() throws -> Int32 { throw SystemError("fsopen", "devpts", errno: .ENOSYS) }
    /// A detached tmpfs is an open of "tmpfs (detached)" in the trace.
    public func openDetachedTmpfs() throws -> Int32 { try open("tmpfs (detached)", [.path, .directory]) }
    public func openPty(devpts: Int32) throws -> (master: Int32, slave: Int32) { throw SystemError("open", "ptmx", errno: .ENOSYS) }
    public func takeTerminal(_ fd: Int32) throws { throw SystemError("ioctl(TIOCSCTTY)", "the pty", errno: .ENOTTY) }
    public func windowChangePipe() throws -> Int32 { throw SystemError("pipe", "SIGWINCH", errno: .ENOSYS) }
    public func relay(input: Int32, output: Int32, master: Int32, winch: Int32, channel: Int32?, exited: Int32,
                      inputOpen: inout Bool, masterOpen: inout Bool) throws -> RelayEvent { .processExited }
    public func drain(master: Int32, output: Int32) {}

    public func closeFileDescriptors(from first: Int32, keeping keep: [Int32]) throws {
        let call = Call.closeRange(from: first, keeping: keep)
        try enter(call)
        record(call)
        for fd in current.fds.keys.sorted() where fd >= first && !keep.contains(fd) { release(fd, in: current) }
    }

    public func closeOnExec(from first: Int32) throws {
        try enter(.closeOnExec(from: first))
        record(.closeOnExec(from: first))
    }

    /// The command, started by PID 1: a process of the model that ends at once with
    /// `commandStatus`.
    /// What a helper daemon (pasta) writes on its "ready" pipe; `.line` is success.
    public var helperReady: LineRead = .line("4242")
    /// What it says on its standard error.
    public var helperLog = ""
    /// The ports that do not bind (by port number), and why.
    public var portErrors: [Int: Errno] = [:]
    /// The paths that do not open, and why.
    public var openErrors: [String: Errno] = [:]

    public func startHelper(_ path: String, _ args: [String], _ env: [String], passing: [Int32]) throws -> HelperProcess {
        let call = Call.startHelper(path, args, passing: passing)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        let pid = nextPid
        nextPid += 1
        let helper = Process(pid: pid, name: "helper", parent: current.pid, userNamespace: current.userNamespace)
        processes.append(helper)
        record(call, .value(pid))
        // pasta makes its tap (--ns-ifname NAME) in the net namespace passed to it, when it works.
        if case .line = helperReady, let i = args.firstIndex(of: "--ns-ifname"), i + 1 < args.count {
            for fd in passing {
                if case .netNamespace(let ns)? = current.fds[fd] {
                    links.append(LinkInfo(index: nextIndex, name: args[i + 1], kind: "tun"))
                    linkNamespace[nextIndex] = ns
                    nextIndex += 1
                }
            }
        }
        return HelperProcess(pid: pid, ready: install(.other("pipe (helper ready)"), in: current),
                             log: install(.other("memfd (helper log)"), in: current))
    }

    public func readLine(_ fd: Int32, timeoutMilliseconds: Int) throws -> LineRead {
        note(.readLine(fd))
        return helperReady
    }

    public func readBack(_ fd: Int32, limit: Int) -> String { String(helperLog.prefix(limit)) }

    public func probePort(_ port: PortProbe) -> Errno? {
        note(.probePort(port))
        return portErrors[port.port]
    }

    public func probeOpen(_ path: String, _ flags: OpenFlags) -> Errno? {
        note(.probeOpen(path))
        return openErrors[path] ?? (missing.contains(path) ? .ENOENT : nil)
    }

    public func spawn(_ path: String, _ args: [String], _ env: [String]) throws -> Int32 {
        let call = Call.spawn(path, args, env: env)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        let pid = nextPid
        nextPid += 1
        let command = Process(pid: pid, name: "command", parent: current.pid, userNamespace: current.userNamespace)
        command.finished = true
        command.replaced = true
        command.status = commandStatus
        processes.append(command)
        record(call, .value(pid))
        return pid
    }

    /// The process becomes the command: its fds (all close-on-exec) are closed, and it ends with
    /// `commandStatus` when its body returns.
    public func execve(_ path: String, _ args: [String], _ env: [String]) throws {
        let call = Call.execve(path, args, env: env)
        try enter(call, object: path)
        if missing.contains(path) { try fail(call, .ENOENT, path) }
        record(call)
        current.replaced = true
        closeAll(current)
    }
}

/// The thread of one process of the model: it waits for its turn, runs the process's body,
/// ends the process and passes the turn on. It runs only while every other thread waits.
private final class Runner: @unchecked Sendable {
    let kernel: FakeKernel
    let process: FakeKernel.Process
    let body: () -> Int32

    init(kernel: FakeKernel, process: FakeKernel.Process, body: @escaping () -> Int32) {
        self.kernel = kernel
        self.process = process
        self.body = body
    }

    func main() {
        kernel.waitForTurn(process)
        let code = body()
        kernel.finish(process, code: code)
    }
}
