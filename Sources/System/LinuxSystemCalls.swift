import CCap
import CLinux
import Glibc
import SyscallFilter

/// rtnetlink sequence numbers: one process, one thread (nsspec forks, never starts threads).
nonisolated(unsafe) private var netlinkSequence: UInt32 = 0

/// The real thing: the only code in nsspec that calls libc, libcap and the C shim.
public final class LinuxSystemCalls: SystemCalls, Sendable {
    public init() {}

    /// The object's description is built only on failure (it may be an array or a number).
    private func check(_ rc: Int32, _ op: String, _ object: @autoclosure () -> String) throws {
        if rc < 0 { throw SystemError(op, object(), errno: .current) }
    }

    // MARK: Identity and host state

    public func getpid() -> Int32 { Glibc.getpid() }
    public func getppid() -> Int32 { Glibc.getppid() }

    public func identity() -> (uid: UInt32, gid: UInt32, root: Bool) {
        (getuid(), getgid(), geteuid() == 0)
    }

    public func readFile(_ source: FileSource, limit: Int) throws -> FileContents {
        let name: String
        let fd: Int32
        switch source {
        case .standardInput:
            (name, fd) = ("standard input", 0)
        case .path(let path):
            name = path
            // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, for ever.
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            try check(fd, "open", path)
        }
        defer { if fd != 0 { Glibc.close(fd) } }
        var st = stat()
        let known = fstat(fd, &st) == 0
        if known && (st.st_mode & S_IFMT) == S_IFDIR { throw SystemError("read", name, errno: .EISDIR) }
        if case .path = source, known, (st.st_mode & S_IFMT) != S_IFREG {
            let kind: String
            switch st.st_mode & S_IFMT {
            case S_IFIFO: kind = "a FIFO"
            case S_IFCHR: kind = "a character device"
            case S_IFBLK: kind = "a block device"
            case S_IFSOCK: kind = "a socket"
            default: kind = "not a file"
            }
            throw SystemError("read", name, errno: .EINVAL, detail: "not a regular file (\(kind))")
        }
        let isRegular = known && (st.st_mode & S_IFMT) == S_IFREG
        // In pieces: procfs allocates a kernel buffer the size of the read.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, min($0.count, limit - bytes.count)) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw SystemError("read", name, errno: .current)
            }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        return FileContents(bytes: bytes, size: isRegular && Int(st.st_size) > bytes.count ? Int(st.st_size) : bytes.count)
    }

    public func fileKind(_ path: String) throws -> FileKind {
        var st = stat()
        try check(stat(path, &st), "stat", path)
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    public func canonicalPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError("realpath", path, errno: .current) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public func isExecutable(_ path: String) -> Bool {
        (try? fileKind(path)) == .regular && access(path, X_OK) == 0
    }

    public func environment() -> [String] {
        var out: [String] = []
        guard var p = nss_environ() else { return out }
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }

    public func environmentValue(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    public func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public func kernelRelease() -> (release: String, machine: String) {
        var names = utsname()
        guard uname(&names) == 0 else { return ("unknown", "unknown") }
        func text<T>(_ field: inout T) -> String {
            withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (text(&names.release), text(&names.machine))
    }

    public func probeSystemCall(_ call: ProbedSystemCall) -> Errno? {
        let rc = switch call {
        case .openat2: nss_probe_openat2()
        case .mountSetattr: nss_probe_mount_setattr()
        }
        return rc == 0 ? nil : Errno(rc)
    }

    public func fileStatus(_ path: String) throws -> FileStatus {
        var st = stat()
        try check(stat(path, &st), "stat", path)
        return FileStatus(mode: UInt32(st.st_mode), owner: st.st_uid, group: st.st_gid, device: UInt64(st.st_dev))
    }

    public func linkStatus(_ path: String) throws -> FileStatus {
        var st = stat()
        try check(lstat(path, &st), "lstat", path)
        return FileStatus(mode: UInt32(st.st_mode), owner: st.st_uid, group: st.st_gid, device: UInt64(st.st_dev))
    }

    public func fileCapabilities(_ path: String) throws -> String? {
        guard let caps = cap_get_file(path) else {
            // ENODATA: the file has no capabilities; EOPNOTSUPP: its filesystem keeps none.
            if Glibc.errno == ENODATA || Glibc.errno == EOPNOTSUPP { return nil }
            throw SystemError("getxattr security.capability", path, errno: .current)
        }
        defer { cap_free(UnsafeMutableRawPointer(caps)) }
        guard let text = cap_to_text(caps, nil) else { throw SystemError("cap_to_text", path, errno: .current) }
        defer { cap_free(UnsafeMutableRawPointer(text)) }
        return String(cString: text)
    }

    public func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    // MARK: Processes and pipes

    public func clone(_ flags: CloneFlags, name: String, _ body: @escaping () -> Int32) throws -> Int32 {
        // unshare(CLONE_NEWUSER) fails with EINVAL in a multithreaded process, and a fork of one
        // copies only the calling thread (with whatever locks the others held).
        guard nss_single_threaded() != 0 else {
            throw SystemError("clone", "\(name): nsspec has started a thread, and forks only while single-threaded", errno: .EINVAL)
        }
        fflush(nil)
        let pid = nss_clone3(flags.rawValue)
        try check(pid, "clone3", flags.isEmpty ? "" : flags.description)
        if pid == 0 { _exit(body()) }
        return pid
    }

    public func openPidfd(_ pid: Int32) throws -> Int32 {
        let fd = nss_pidfd_open(pid)
        try check(fd, "pidfd_open", String(pid))
        return fd
    }

    public func hasExited(pidfd: Int32) -> Bool { nss_pidfd_exited(pidfd) != 0 }

    public func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try check(nss_socketpair(&fds), "socketpair", "AF_UNIX")
        return (fds[0], fds[1])
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Wire format: kind (Int32), value (Int32), text. One message of a SOCK_SEQPACKET socket,
    /// so messages from several processes never interleave.
    public func send(_ message: Message, passing fd: Int32?, on socket: Int32) throws {
        var kind: Int32 = 0, value: Int32 = 0, text: [UInt8] = []
        switch message {
        case .handoff(let name): kind = 1; text = Array(name.utf8)
        case .pid(let pid): kind = 2; value = pid
        case .failure(let code, let t): kind = 3; value = code; text = Self.shortened(Array(t.utf8), to: Self.maximumMessage - 8)
        }
        var bytes: [UInt8] = []
        for v in [kind, value] { withUnsafeBytes(of: v) { bytes += $0 } }
        bytes += text
        while true {
            let n = bytes.withUnsafeBytes { nss_send_with_fd(socket, $0.baseAddress, $0.count, fd ?? -1) }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n != bytes.count {
                throw SystemError("sendmsg", "socket to the \(kind == 3 ? "parent" : "other process")", errno: n < 0 ? .current : .EPIPE)
            }
            return
        }
    }

    static let maximumMessage = 4096

    /// `bytes`, or its beginning and its end with a line saying how much was left out between
    /// them: the end of a failure holds its errno and hint.
    static func shortened(_ bytes: [UInt8], to limit: Int) -> [UInt8] {
        guard bytes.count > limit else { return bytes }
        let tail = limit / 2
        var note: [UInt8] = []
        var head = limit - tail
        // The note's length depends on the number in it: settle both.
        for _ in 0..<3 {
            note = Array("\n[… \(bytes.count - head - tail) bytes left out …]\n".utf8)
            head = limit - tail - note.count
        }
        return Array(bytes[..<head]) + note + Array(bytes[(bytes.count - tail)...])
    }

    public func receive(on socket: Int32) throws -> Received? {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.maximumMessage, alignment: 8)
        defer { buffer.deallocate() }
        var fd: Int32 = -1, truncated: Int32 = 0
        var n: Int
        repeat {
            n = nss_receive_with_fd(socket, buffer, Self.maximumMessage, &fd, &truncated)
        } while n < 0 && Glibc.errno == EINTR
        if n < 0 { throw SystemError("recvmsg", "socket", errno: .current) }
        if n == 0 { return nil }
        if n < 8 || truncated != 0 {
            if fd >= 0 { Glibc.close(fd) }
            throw SystemError("recvmsg", "socket", errno: .EMSGSIZE, detail: "a message of \(n) bytes is not one nsspec sent")
        }
        let kind = buffer.load(as: Int32.self), value = buffer.load(fromByteOffset: 4, as: Int32.self)
        let text = String(decoding: UnsafeRawBufferPointer(start: buffer + 8, count: n - 8), as: UTF8.self)
        let message: Message
        switch kind {
        case 1: message = .handoff(text)
        case 2: message = .pid(value)
        default: message = .failure(exitCode: value, text: text)
        }
        return Received(message, fd: fd >= 0 ? fd : nil)
    }

    private func decode(_ status: Int32) -> ExitStatus {
        nss_wifsignaled(status) != 0 ? .signaled(nss_wtermsig(status)) : .exited(nss_wexitstatus(status))
    }

    public func waitpid(_ pid: Int32) throws -> ExitStatus {
        var status: Int32 = 0
        while Glibc.waitpid(pid, &status, 0) < 0 {
            if Glibc.errno != EINTR { throw SystemError("waitpid", String(pid), errno: .current) }
        }
        return decode(status)
    }

    public func waitAny() throws -> (pid: Int32, status: ExitStatus)? {
        var status: Int32 = 0
        while true {
            let pid = Glibc.waitpid(-1, &status, 0)
            if pid > 0 { return (pid, decode(status)) }
            if Glibc.errno == EINTR { continue }
            if Glibc.errno == ECHILD { return nil }
            throw SystemError("waitpid", "-1", errno: .current)
        }
    }

    public func kill(_ pid: Int32, _ signal: Signal) { _ = Glibc.kill(pid, signal.rawValue) }

    /// The end of nsspec itself (not a protocol call: the executor's processes end by returning
    /// from their part of the plan). Output is written unbuffered: nothing to flush.
    public func exit(_ code: Int32) -> Never { _exit(code) }

    public func runHelper(_ path: String, _ args: [String]) throws -> ExitStatus {
        var pid: pid_t = 0
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env: [UnsafeMutablePointer<CChar>?] = [nil]
        let rc = env.withUnsafeBufferPointer { envp in
            posix_spawn(&pid, path, nil, nil, argv, UnsafeMutablePointer(mutating: envp.baseAddress))
        }
        if rc != 0 { throw SystemError("posix_spawn", path, errno: Errno(rc)) }
        return try waitpid(pid)
    }

    public func forwardSignals(_ signals: [Signal], to pid: Int32) {
        forwardTarget = pid
        for s in signals.map(\.rawValue) {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in _ = Glibc.kill(forwardTarget, signal) }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(s, &action, nil)
        }
    }

    public func ignoreSignals(_ signals: [Signal]) {
        for s in signals { Glibc.signal(s.rawValue, SIG_IGN) }
    }

    public func defaultSignals(_ signals: [Signal]) {
        for s in signals { Glibc.signal(s.rawValue, SIG_DFL) }
    }

    public func resetSignals() {
        for s in 1..<Int32(65) where s != SIGKILL && s != SIGSTOP { Glibc.signal(s, SIG_DFL) }
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
    }

    // MARK: Namespaces and identity maps

    public func unshare(_ flags: CloneFlags) throws {
        try check(nss_unshare(flags.rawValue), "unshare", "")
    }

    public func setns(path: String, _ flags: CloneFlags) throws {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        try check(fd, "open", path)
        defer { Glibc.close(fd) }
        try check(nss_setns(fd, flags.rawValue), "setns", path)
    }

    public func setns(pidfd: Int32, _ flags: CloneFlags) throws {
        try check(nss_setns(pidfd, flags.rawValue), "setns", "pidfd \(flags)")
    }

    public func namespaceOwner(_ path: String) throws -> (userNamespace: UInt64, uid: UInt32) {
        var inode: UInt64 = 0
        var uid: UInt32 = 0
        try check(nss_namespace_owner(path, &inode, &uid), "ioctl(NS_GET_USERNS)", path)
        return (inode, uid)
    }

    public func namespaceInode(_ path: String) throws -> UInt64 {
        var inode: UInt64 = 0
        try check(nss_namespace_inode(path, &inode), "stat", path)
        return inode
    }

    public func writeFile(_ path: String, _ contents: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        try check(fd, "open", path)
        defer { Glibc.close(fd) }
        let bytes = Array(contents.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw SystemError("write", path, errno: n < 0 ? .current : .EIO) }
    }

    public func sethostname(_ name: String) throws {
        try check(nss_sethostname(name, name.utf8.count), "sethostname", name)
    }

    public func setdomainname(_ name: String) throws {
        try check(nss_setdomainname(name, name.utf8.count), "setdomainname", name)
    }

    // MARK: Mounts

    public func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws {
        try check(Glibc.mount(source, target, type, flags.rawValue, data), "mount", target)
    }

    public func mountSetattr(_ path: String, recursive: Bool, set: MountAttributes, clear: MountAttributes, propagation: MountFlags) throws {
        try check(nss_mount_setattr(path, recursive ? 1 : 0, set.rawValue, clear.rawValue, UInt64(propagation.rawValue)),
                  "mount_setattr", path)
    }

    public func bindTree(_ source: String, onto target: String, recursive: Bool, set: MountAttributes, clear: MountAttributes,
                         attributesRecursive: Bool, propagation: MountFlags) throws {
        var step: Int32 = 0
        let result = nss_bind_tree(source, target, recursive ? 1 : 0, attributesRecursive ? 1 : 0, set.rawValue, clear.rawValue,
                                   UInt64(propagation.rawValue), &step)
        let call = ["open_tree", "mount_setattr", "move_mount", "mount_setattr (propagation)"][Int(step)]
        try check(result, call, step == 0 ? source : target)
    }

    public func umount(_ target: String, detach: Bool) throws {
        try check(umount2(target, detach ? Int32(MNT_DETACH) : 0), "umount2", target)
    }

    public func mkdir(_ path: String, mode: UInt32) throws {
        try check(Glibc.mkdir(path, mode_t(mode)), "mkdir", path)
    }

    public func pivotRoot(_ newRoot: String, _ putOld: String) throws {
        try check(nss_pivot_root(newRoot, putOld), "pivot_root", newRoot)
    }

    public func chdir(_ path: String) throws {
        try check(Glibc.chdir(path), "chdir", path)
    }

    public func currentDirectory() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { throw SystemError("getcwd", "", errno: .current) }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func open(_ path: String, _ flags: OpenFlags) throws -> Int32 {
        let fd = Glibc.open(path, flags.rawValue | O_CLOEXEC)
        try check(fd, "open", path)
        return fd
    }

    public func openInRoot(_ root: Int32, _ path: String, _ flags: OpenFlags, mode: UInt32) throws -> Int32 {
        let fd = nss_openat_in_root(root, path, flags.rawValue | O_CLOEXEC, mode)
        try check(fd, "open", path)
        return fd
    }

    public func openBeneath(_ dir: Int32, _ path: String, _ flags: OpenFlags, mode: UInt32) throws -> Int32 {
        let fd = nss_openat_beneath(dir, path, flags.rawValue | O_CLOEXEC, mode)
        try check(fd, "open", path)
        return fd
    }

    public func mkdirAt(_ dir: Int32, _ name: String, mode: UInt32) throws {
        try check(mkdirat(dir, name, mode_t(mode)), "mkdir", name)
    }

    public func symlinkAt(_ link: String, _ dir: Int32, _ name: String) throws {
        try check(symlinkat(link, dir, name), "symlink", name)
    }

    public func readlinkAt(_ dir: Int32, _ name: String) throws -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(dir, name, &buffer, buffer.count - 1)
        if n < 0 {
            if Glibc.errno == ENOENT || Glibc.errno == EINVAL { return nil }
            throw SystemError("readlink", name, errno: .current)
        }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw SystemError("write", "fd \(fd)", errno: .current)
            }
            offset += n
        }
    }

    public func fchmod(_ fd: Int32, _ mode: UInt32) throws {
        try check(Glibc.fchmod(fd, mode_t(mode)), "fchmod", "fd \(fd)")
    }

    // MARK: Network

    public func openNetlink() throws -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)  // NETLINK_ROUTE
        try check(fd, "socket", "AF_NETLINK")
        var one: Int32 = 1
        // Extended ACKs carry the kernel's reason as text; capped ACKs do not echo the request.
        _ = setsockopt(fd, 270, 11, &one, 4)  // SOL_NETLINK, NETLINK_EXT_ACK
        _ = setsockopt(fd, 270, 10, &one, 4)  // NETLINK_CAP_ACK
        return fd
    }

    /// Sends one request and reads until its ACK, error or end of dump; hands every other
    /// message of the same sequence number to `each`.
    private func transact(_ fd: Int32, _ build: (UInt32) -> [UInt8], _ op: String, _ object: @autoclosure () -> String,
                          each: (NetlinkReply) -> Void = { _ in }) throws {
        netlinkSequence &+= 1
        let seq = netlinkSequence
        let request = build(seq)
        while true {
            let n = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, 0) }
            if n >= 0 { break }
            if Glibc.errno != EINTR { throw SystemError(op, object(), errno: .current) }
        }
        // Not zeroed: an ACK fills a few dozen bytes of it, and untouched pages are never faulted in.
        let capacity = 32768
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            // MSG_TRUNC: netlink then returns the datagram's real length, so that one longer than
            // the buffer is seen as cut short instead of read as a shorter, complete answer.
            let n = Glibc.recv(fd, buffer, capacity, Int32(MSG_TRUNC))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw SystemError(op, object(), errno: .current)
            }
            if n > capacity {
                throw SystemError(op, object(), errno: .EMSGSIZE,
                                  detail: "netlink reply of \(n) bytes truncated to the \(capacity)-byte buffer")
            }
            let datagram = Array(UnsafeRawBufferPointer(start: buffer, count: n))
            let replies: [NetlinkReply]
            do {
                replies = try NetlinkReply.parse(datagram)
            } catch {
                throw SystemError(op, object(), errno: .EIO, detail: error.detail)
            }
            for reply in replies where reply.seq == seq {
                if let (errno, message) = reply.error {
                    if errno != 0 { throw SystemError(op, object(), errno: Errno(errno), detail: message) }
                    return
                }
                if reply.type == RT.NLMSG_DONE { return }
                each(reply)
            }
        }
    }

    public func link(_ socket: Int32, _ key: LinkKey) throws -> LinkInfo? {
        var found: LinkInfo?
        do {
            try transact(socket, { NetlinkRequests.getLink(key, seq: $0) }, "RTM_GETLINK", key.description) { found = found ?? $0.link }
        } catch let error as SystemError where error.errno == .ENODEV {
            return nil
        }
        return found
    }

    public func createVeth(_ socket: Int32, _ request: VethRequest) throws -> LinkInfo? {
        var host: LinkInfo?
        try transact(socket, { NetlinkRequests.createVeth(request, seq: $0) }, "RTM_NEWLINK",
                     "veth \(request.hostName ?? "(unnamed)")/\(request.peerName)") { host = host ?? $0.link }
        return host
    }

    public func setLink(_ socket: Int32, _ name: String, up: Bool, alias: String?) throws {
        try transact(socket, { NetlinkRequests.setLink(name, up: up, alias: alias, seq: $0) }, "RTM_NEWLINK", name)
    }

    public func addAddress(_ socket: Int32, index: Int32, interface: String, _ address: InterfaceAddress) throws {
        try transact(socket, { NetlinkRequests.addAddress(index: index, address, seq: $0) }, "RTM_NEWADDR", interface)
    }

    public func addRoute(_ socket: Int32, index: Int32, interface: String, _ route: RouteRequest) throws {
        try transact(socket, { NetlinkRequests.addRoute(index: index, route, seq: $0) }, "RTM_NEWROUTE", interface)
    }

    public func deleteLink(_ socket: Int32, index: Int32, interface: String) throws {
        try transact(socket, { NetlinkRequests.deleteLink(index: index, seq: $0) }, "RTM_DELLINK", interface)
    }

    public func addresses(_ socket: Int32) throws -> [AddressEntry] {
        var out: [AddressEntry] = []
        try transact(socket, { NetlinkRequests.dumpAddresses(seq: $0) }, "RTM_GETADDR", "all interfaces") {
            if let entry = $0.address { out.append(entry) }
        }
        return out
    }

    public func hasEffectiveCapability(_ capability: Capability) -> Bool {
        guard let current = cap_get_proc() else { return false }
        defer { cap_free(UnsafeMutableRawPointer(current)) }
        var value = cap_flag_value_t(0)
        return cap_get_flag(current, cap_value_t(capability.rawValue), CAP_EFFECTIVE, &value) == 0 && value == CAP_SET
    }

    public func processExists(_ pid: Int32) -> Bool {
        Glibc.kill(pid, 0) == 0 || Glibc.errno == EPERM
    }

    public func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && Glibc.errno == EINTR { request = remaining }
    }

    // MARK: Credentials and the process

    public func setrlimit(_ resource: ResourceLimit, soft: UInt64, hard: UInt64) throws {
        var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
        try check(Glibc.setrlimit(__rlimit_resource_t(UInt32(resource.rawValue)), &limit), "setrlimit", String(resource.rawValue))
    }

    public func setgroups(_ groups: [UInt32]) throws {
        try check(groups.withUnsafeBufferPointer { nss_setgroups($0.count, $0.baseAddress) }, "setgroups", "\(groups)")
    }

    public func setresgid(_ gid: UInt32) throws {
        try check(nss_setresgid(gid, gid, gid), "setresgid", String(gid))
    }

    public func setresuid(_ uid: UInt32) throws {
        try check(nss_set_keepcaps(1), "prctl(PR_SET_KEEPCAPS)", "")
        try check(nss_setresuid(uid, uid, uid), "setresuid", String(uid))
    }

    public func raiseEffectiveCapabilities() throws {
        guard let current = cap_get_proc() else { throw SystemError("capget", "", errno: .current) }
        defer { cap_free(UnsafeMutableRawPointer(current)) }
        for cap in 0...nss_cap_last_cap() {
            var value = CAP_CLEAR
            if cap_get_flag(current, cap_value_t(cap), CAP_PERMITTED, &value) == 0, value == CAP_SET {
                var c = [cap_value_t(cap)]
                cap_set_flag(current, CAP_EFFECTIVE, 1, &c, CAP_SET)
            }
        }
        try check(cap_set_proc(current), "capset", "effective := permitted")
    }

    public func lastCapability() -> Int32 { nss_cap_last_cap() }

    public func dropBoundingSet(keeping keep: [Int32]) throws {
        for cap in 0...nss_cap_last_cap() where !keep.contains(cap) {
            if nss_capbset_drop(cap) < 0 && Glibc.errno != EINVAL {
                throw SystemError("prctl(PR_CAPBSET_DROP)", capabilityName(cap), errno: .current)
            }
        }
    }

    public func setCapabilities(_ keep: [Int32]) throws {
        guard let wanted = cap_init() else { throw SystemError("cap_init", "", errno: .current) }
        defer { cap_free(UnsafeMutableRawPointer(wanted)) }
        var values = keep.map { cap_value_t($0) }
        if !values.isEmpty {
            for flag in [CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE] {
                cap_set_flag(wanted, flag, Int32(values.count), &values, CAP_SET)
            }
        }
        if cap_set_proc(wanted) < 0 {
            let names = keep.isEmpty ? "(none)" : keep.map(capabilityName).joined(separator: ",")
            throw SystemError("capset", names, errno: .current)
        }
    }

    public func setAmbientCapabilities(_ keep: [Int32]) throws {
        // Directly: libcap's cap_reset_ambient first asks the kernel about every capability (42 prctl).
        try check(nss_ambient_clear_all(), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", "")
        for cap in keep {
            try check(nss_ambient_raise(cap), "prctl(PR_CAP_AMBIENT_RAISE)", capabilityName(cap))
        }
    }

    private func capabilityName(_ cap: Int32) -> String {
        guard let p = cap_to_name(cap_value_t(cap)) else { return String(cap) }
        defer { cap_free(p) }
        return String(cString: p).uppercased()
    }

    public func compileSeccomp(_ filter: Filter) throws -> [UInt8] { try SeccompCompiler.compile(filter) }

    public func seccompCompilerIdentity() -> String { SeccompCompiler.identity }

    public func privateDirectory(_ path: String) -> Bool {
        var st = stat()
        if lstat(path, &st) != 0 {
            guard Glibc.errno == ENOENT, Glibc.mkdir(path, 0o700) == 0 || Glibc.errno == EEXIST, lstat(path, &st) == 0 else { return false }
        }
        return (st.st_mode & S_IFMT) == S_IFDIR && st.st_uid == geteuid() && st.st_mode & 0o022 == 0
    }

    /// The file appears whole or not at all, and a process killed while writing it leaves
    /// nothing: the bytes go to an unnamed O_TMPFILE in the target's directory, which is linked
    /// in under its name only once written (a stale file of that name is replaced). Where the
    /// filesystem has no O_TMPFILE, a temporary name and rename(2).
    public func replaceFile(_ path: String, with bytes: [UInt8]) throws {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = nss_open_tmpfile(directory.isEmpty ? "/" : directory, 0o600)
        if fd < 0 && [EOPNOTSUPP, EISDIR, EINVAL].contains(Glibc.errno) { return try replaceFileByRename(path, with: bytes) }
        try check(fd, "open(O_TMPFILE)", directory)
        defer { Glibc.close(fd) }
        try writeAll(fd, bytes)
        // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; through /proc it does not.
        let name = "/proc/self/fd/\(fd)"
        if linkat(AT_FDCWD, name, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return }
        if Glibc.errno == EEXIST {
            unlink(path)
            if linkat(AT_FDCWD, name, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 || Glibc.errno == EEXIST { return }
        }
        throw SystemError("linkat", path, errno: .current)
    }

    public func createFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        try check(fd, "open", path)
        var written = true
        defer { if !written { unlink(path) } }
        do {
            try writeAll(fd, bytes)
        } catch {
            Glibc.close(fd)
            written = false
            throw error
        }
        // close(2) reports a write that failed late (NFS, a full quota).
        if Glibc.close(fd) != 0 {
            written = false
            throw SystemError("close", path, errno: .current)
        }
    }

    public func replaceFileByRename(_ path: String, with bytes: [UInt8]) throws {
        let temporary = "\(path).\(Glibc.getpid()).tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        try check(fd, "open", temporary)
        do {
            try writeAll(fd, bytes)
            Glibc.close(fd)
            try check(rename(temporary, path), "rename", path)
        } catch {
            Glibc.close(fd)
            unlink(temporary)
            throw error
        }
    }

    public func linkNewFile(_ path: String, with bytes: [UInt8]) throws {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var fd = nss_open_tmpfile(directory.isEmpty ? "/" : directory, 0o600)
        var temporary: String?
        if fd < 0 && [EOPNOTSUPP, EISDIR, EINVAL].contains(Glibc.errno) {
            temporary = "\(path).\(Glibc.getpid()).new"
            fd = Glibc.open(temporary!, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            try check(fd, "open", temporary!)
        } else {
            try check(fd, "open(O_TMPFILE)", directory)
        }
        defer {
            Glibc.close(fd)
            if let temporary { unlink(temporary) }
        }
        try writeAll(fd, bytes)
        // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; through /proc it does not.
        let linked = temporary.map { Glibc.link($0, path) } ?? linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW)
        try check(linked, "link", path)
    }

    public func lockDirectory(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        try check(fd, "open", path)
        while flock(fd, LOCK_EX) != 0 {
            guard Glibc.errno == EINTR else {
                let error = SystemError("flock", path, errno: .current)
                Glibc.close(fd)
                throw error
            }
        }
        return fd
    }

    public func duplicate(_ fd: Int32, onto target: Int32) throws {
        try check(dup2(fd, target), "dup2", "\(fd) onto \(target)")
    }

    public func cacheSecret() throws -> [UInt8] {
        var secret = [UInt8](repeating: 0, count: 16)
        let result = secret.withUnsafeMutableBufferPointer { nss_user_key_secret("nsspec:cache-secret", $0.baseAddress, 16) }
        try check(result, "keyctl", "the user keyring's nsspec:cache-secret")
        return secret
    }

    public func buildID() -> [UInt8] {
        var id = [UInt8](repeating: 0, count: 64)
        let n = id.withUnsafeMutableBufferPointer { nss_build_id($0.baseAddress, 64) }
        return Array(id[..<n])
    }

    public func directoryEntries(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SystemError("opendir", path, errno: .current) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func removeFile(_ path: String) throws { try check(unlink(path), "unlink", path) }

    public func runsFromSealedCopy() -> Bool { nss_exe_is_sealed() == 1 }

    public func reexecFromSealedCopy() throws {
        _ = nss_reexec_sealed(CommandLine.unsafeArgv, nss_environ())
        throw SystemError("execveat", "a sealed memfd copy of /proc/self/exe", errno: .current)
    }

    public func loadSeccomp(_ program: [UInt8]) throws {
        try check(program.withUnsafeBytes { nss_seccomp_load($0.baseAddress, $0.count) }, "seccomp(SECCOMP_SET_MODE_FILTER)",
                  "\(program.count / 8) instructions")
    }

    public func setNoNewPrivileges() throws {
        try check(nss_set_no_new_privs(), "prctl(PR_SET_NO_NEW_PRIVS)", "")
    }

    public func setNotDumpable() throws {
        try check(nss_set_dumpable(0), "prctl(PR_SET_DUMPABLE)", "")
    }

    public func setParentDeathSignal(_ signal: Signal) throws {
        try check(nss_set_pdeathsig(signal.rawValue), "prctl(PR_SET_PDEATHSIG)", "")
    }

    public func setsid() throws {
        try check(Glibc.setsid(), "setsid", "")
    }

    public func joinNewSessionKeyring() throws -> Int32 {
        let serial = nss_join_new_session_keyring()
        if serial < 0 { throw SystemError("keyctl(KEYCTL_JOIN_SESSION_KEYRING)", "", errno: .current) }
        return Int32(truncatingIfNeeded: serial)
    }

    public func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    public func makeRaw(_ fd: Int32) throws -> [UInt8] {
        var saved = [UInt8](repeating: 0, count: nss_termios_size())
        try check(saved.withUnsafeMutableBytes { nss_tty_raw(fd, $0.baseAddress) }, "tcsetattr", "fd \(fd)")
        return saved
    }

    public func restoreTerminal(_ fd: Int32, _ saved: [UInt8]) {
        _ = saved.withUnsafeBytes { nss_tty_restore(fd, $0.baseAddress) }
    }

    public func copyWindowSize(from: Int32, to: Int32) { _ = nss_winsize_copy(from, to) }

    public func openDetachedDevpts() throws -> Int32 {
        let fd = nss_devpts_detached()
        try check(fd, "fsopen/fsmount", "devpts")
        return fd
    }

    public func openDetachedTmpfs() throws -> Int32 {
        let fd = nss_tmpfs_detached()
        try check(fd, "fsopen/fsmount", "tmpfs")
        return fd
    }

    public func openPty(devpts: Int32) throws -> (master: Int32, slave: Int32) {
        var master: Int32 = -1, slave: Int32 = -1
        try check(nss_pty_open(devpts, &master, &slave), "open", "ptmx")
        return (master, slave)
    }

    public func takeTerminal(_ fd: Int32) throws {
        try check(nss_set_ctty(fd), "ioctl(TIOCSCTTY)", "the pty")
        for target in Int32(0)...2 { try check(dup2(fd, target), "dup2", "the pty to fd \(target)") }
        if fd > 2 { Glibc.close(fd) }
    }

    public func windowChangePipe() throws -> Int32 {
        let fd = nss_winch_pipe()
        try check(fd, "pipe", "SIGWINCH")
        return fd
    }

    public func relay(input: Int32, output: Int32, master: Int32, winch: Int32, channel: Int32?, exited: Int32,
                      inputOpen: inout Bool, masterOpen: inout Bool) throws -> RelayEvent {
        var inOpen: Int32 = inputOpen ? 1 : 0, mOpen: Int32 = masterOpen ? 1 : 0
        let rc = nss_relay(input, output, master, winch, channel ?? -1, exited, &inOpen, &mOpen)
        inputOpen = inOpen != 0
        masterOpen = mOpen != 0
        try check(rc < 0 ? -1 : 0, "poll", "the terminal relay")
        return rc == 1 ? .channelReadable : .processExited
    }

    public func drain(master: Int32, output: Int32) { nss_relay_drain(master, output) }

    public func closeFileDescriptors(from first: Int32, keeping keep: [Int32]) throws {
        var low = UInt32(first)
        for fd in keep.filter({ $0 >= first }).sorted() {
            if UInt32(fd) > low { try check(nss_close_range(low, UInt32(fd) - 1), "close_range", "\(low)..\(fd - 1)") }
            low = UInt32(fd) + 1
        }
        try check(nss_close_range(low, ~0), "close_range", "\(low)..")
    }

    public func closeOnExec(from first: Int32) throws {
        try check(nss_close_range_cloexec(UInt32(first)), "close_range", "\(first)..")
    }

    public func startHelper(_ path: String, _ args: [String], _ env: [String], passing: [Int32]) throws -> HelperProcess {
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var ready: Int32 = -1, log: Int32 = -1
        fflush(nil)
        let pid = passing.withUnsafeBufferPointer { pass in
            nss_start_helper(path, argv, envp, pass.baseAddress, Int32(pass.count), &ready, &log)
        }
        try check(pid, "fork", path)
        return HelperProcess(pid: pid, ready: ready, log: log)
    }

    public func readLine(_ fd: Int32, timeoutMilliseconds: Int) throws -> LineRead {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = nss_read_line(fd, &buffer, Int32(buffer.count), Int32(timeoutMilliseconds))
        switch n {
        case -2: return .timedOut
        case 0: return .endOfFile
        case ..<0:
            try check(-1, "read", "fd \(fd)")
            return .endOfFile
        default: return .line(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    public func readBack(_ fd: Int32, limit: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: limit)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, limit, 0) }
        return n > 0 ? String(decoding: bytes.prefix(n), as: UTF8.self) : ""
    }

    public func probePort(_ port: PortProbe) -> Errno? {
        let rc: Int32
        if let address = port.address {
            rc = address.withUnsafeBufferPointer { nss_probe_port(port.v6 ? AF_INET6 : AF_INET, port.udp ? 1 : 0, $0.baseAddress, Int32(port.port)) }
        } else {
            rc = nss_probe_port(port.v6 ? AF_INET6 : AF_INET, port.udp ? 1 : 0, nil, Int32(port.port))
        }
        return rc == 0 ? nil : Errno(rc)
    }

    public func probeOpen(_ path: String, _ flags: OpenFlags) -> Errno? {
        let fd = Glibc.open(path, flags.rawValue | O_CLOEXEC)
        if fd < 0 { return Errno(errno) }
        Glibc.close(fd)
        return nil
    }

    public func spawn(_ path: String, _ args: [String], _ env: [String]) throws -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Every signal: with the full set glibc sets each once; with a partial one it also asks
        // about every other signal (measured: more sigaction calls, not fewer).
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, nil, &attr, argv, envp)
        if rc != 0 { throw SystemError("posix_spawn", path, errno: Errno(rc)) }
        return pid
    }

    public func execve(_ path: String, _ args: [String], _ env: [String]) throws {
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        Glibc.execve(path, argv, envp)
        throw SystemError("execve", path, errno: .current)
    }
}

/// The pid that forwarded signals go to; read by the signal handler.
nonisolated(unsafe) private var forwardTarget: Int32 = 0
