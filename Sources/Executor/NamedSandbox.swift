import System

/// Named sandboxes (`run --name`, `ps`, `stop`; docs/named-sandboxes.md): one record a name, in
/// the caller's state directory. Nothing here is used by a `run` without `--name`.
///
/// A record is plain text, `key=value` a line, written whole (a temporary file made with
/// O_EXCL, then renamed over the name), mode 0600, in a directory only the caller may change
/// (checked as the cache directory is: `SystemCalls.privateDirectory`).
public struct SandboxRecord: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        /// The name is claimed (`run --name` has begun, nothing is set up yet): `pid` is the
        /// claiming nsspec, `supervisor` the nsspec that will run the sandbox (the same process,
        /// or the detached supervisor once it has taken the claim over).
        case starting
        case running
        case exited(Int32)
    }

    public var name: String
    public var state: State = .running
    /// The sandbox's PID 1 (the process itself when there is no pid namespace), as the host
    /// sees it, and its start time (`/proc/PID/stat` field 22, clock ticks since boot): a pid
    /// reused by another process has another start time.
    public var pid: Int32
    public var pidStart: UInt64
    /// The nsspec process that waits for the sandbox and writes its status here.
    public var supervisor: Int32
    public var supervisorStart: UInt64
    /// `/proc/PID/ns/NAME` inode numbers, in `NamedSandbox.namespaceKinds`' order.
    public var namespaces: [(kind: String, inode: UInt64)]
    /// The spec's absolute path and a digest of its bytes (SipHash-2-4, key zero: it tells a
    /// changed spec, it authenticates nothing).
    public var spec: String
    public var specDigest: UInt64
    public var detached: Bool

    public init(name: String, state: State = .running, pid: Int32, pidStart: UInt64, supervisor: Int32, supervisorStart: UInt64,
                namespaces: [(kind: String, inode: UInt64)], spec: String, specDigest: UInt64, detached: Bool) {
        self.name = name
        self.state = state
        self.pid = pid
        self.pidStart = pidStart
        self.supervisor = supervisor
        self.supervisorStart = supervisorStart
        self.namespaces = namespaces
        self.spec = spec
        self.specDigest = specDigest
        self.detached = detached
    }

    public static func == (a: SandboxRecord, b: SandboxRecord) -> Bool {
        a.encoded() == b.encoded()
    }

    public func encoded() -> String {
        var lines = ["version=1", "name=\(name)"]
        switch state {
        case .starting: lines.append("state=starting")
        case .running: lines.append("state=running")
        case .exited(let code): lines.append("state=exited \(code)")
        }
        lines += ["pid=\(pid)", "pid_start=\(pidStart)", "supervisor=\(supervisor)", "supervisor_start=\(supervisorStart)"]
        lines += namespaces.map { "ns.\($0.kind)=\($0.inode)" }
        lines += ["spec=\(spec)", "spec_digest=\(String(specDigest, radix: 16))", "detached=\(detached ? 1 : 0)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// nil for anything that is not a whole record of this version.
    public init?(decoding text: String) {
        var fields: [Substring: Substring] = [:]
        var namespaces: [(kind: String, inode: UInt64)] = []
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { return nil }
            let key = line[..<eq], value = line[line.index(after: eq)...]
            if key.hasPrefix("ns.") {
                guard let inode = UInt64(value) else { return nil }
                namespaces.append((String(key.dropFirst(3)), inode))
            } else {
                fields[key] = value
            }
        }
        guard fields["version"] == "1", let name = fields["name"], let state = fields["state"],
              let pid = fields["pid"].flatMap({ Int32($0) }), let pidStart = fields["pid_start"].flatMap({ UInt64($0) }),
              let supervisor = fields["supervisor"].flatMap({ Int32($0) }),
              let supervisorStart = fields["supervisor_start"].flatMap({ UInt64($0) }),
              let spec = fields["spec"], let digest = fields["spec_digest"].flatMap({ UInt64($0, radix: 16) }),
              let detached = fields["detached"], pid > 0, supervisor > 0 else { return nil }
        if state == "starting" {
            self.state = .starting
        } else if state == "running" {
            self.state = .running
        } else if state.hasPrefix("exited "), let code = Int32(state.dropFirst(7)) {
            self.state = .exited(code)
        } else {
            return nil
        }
        self.name = String(name)
        self.pid = pid
        self.pidStart = pidStart
        self.supervisor = supervisor
        self.supervisorStart = supervisorStart
        self.namespaces = namespaces
        self.spec = String(spec)
        specDigest = digest
        self.detached = detached == "1"
    }
}

public enum NamedSandbox {
    /// User names by uid, from /etc/passwd (read directly: a static binary has no NSS).
    public static func userNames(_ sys: SystemCalls) -> [UInt32: String] {
        guard let contents = try? sys.readFile(.path("/etc/passwd"), limit: 1 << 22) else { return [:] }
        var names: [UInt32: String] = [:]
        for line in String(decoding: contents.bytes, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count > 2, let uid = UInt32(f[2]), names[uid] == nil { names[uid] = String(f[0]) }
        }
        return names
    }

    /// The namespaces a record names (those of `/proc/PID/ns` that a sandbox can have).
    public static let namespaceKinds = ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"]

    /// A name: a letter or digit, then up to 63 letters, digits, `_`, `.` or `-` (it is a file
    /// name in the state directory, and a word in a shell).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    public static let nameRule = "a letter or digit, then up to 63 letters, digits, '_', '.' or '-'"

    /// The digest a record keeps of the spec's bytes.
    public static func digest(_ bytes: [UInt8]) -> UInt64 {
        SipHash.hash(bytes[...], key: [UInt8](repeating: 0, count: 16))
    }

    /// Field 22 of `/proc/PID/stat` (the start time in clock ticks since boot); nil when the
    /// process is gone. The command name (field 2) may hold spaces and parentheses: the fields
    /// are counted from the last ')'.
    public static func startTime(of pid: Int32, _ sys: SystemCalls) -> UInt64? {
        guard let contents = try? sys.readFile(.path("/proc/\(pid)/stat"), limit: 4096) else { return nil }
        let bytes = contents.bytes
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // After the ')': field 3 (state) is fields[0], field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    /// The owner (real uid) of a live process, from `/proc/PID/status`.
    public static func owner(of pid: Int32, _ sys: SystemCalls) -> UInt32? {
        guard let contents = try? sys.readFile(.path("/proc/\(pid)/status"), limit: 1 << 16) else { return nil }
        for line in String(decoding: contents.bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { UInt32($0) }
        }
        return nil
    }

    /// The children of a process (`PPid:` in each `/proc/PID/status`), lowest pid first.
    public static func children(of parent: Int32, _ sys: SystemCalls) -> [Int32] {
        let pids = ((try? sys.directoryEntries("/proc")) ?? []).compactMap { Int32($0) }.sorted()
        return pids.filter { pid in
            guard let contents = try? sys.readFile(.path("/proc/\(pid)/status"), limit: 1 << 16) else { return false }
            return String(decoding: contents.bytes, as: UTF8.self).split(separator: "\n").contains { $0 == "PPid:\t\(parent)" }
        }
    }

    /// Seconds since boot (`/proc/uptime`), for a process's age.
    public static func uptime(_ sys: SystemCalls) -> UInt64? {
        guard let contents = try? sys.readFile(.path("/proc/uptime"), limit: 128) else { return nil }
        let text = String(decoding: contents.bytes, as: UTF8.self)
        return text.split(separator: ".").first.flatMap { UInt64($0) }
    }

    /// The namespace ids of a live process: `/proc/PID/ns/*` inode numbers, those it has.
    public static func namespaces(of pid: Int32, _ sys: SystemCalls) -> [(kind: String, inode: UInt64)] {
        namespaceKinds.compactMap { kind in
            (try? sys.namespaceInode("/proc/\(pid)/ns/\(kind)")).map { (kind, $0) }
        }
    }

    /// Whether the record's process is the one it names: alive, with the start time recorded.
    /// A claim (`starting`) is live while the nsspec that made it or its supervisor is.
    public static func isLive(_ record: SandboxRecord, _ sys: SystemCalls) -> Bool {
        if case .starting = record.state, supervisorIsLive(record, sys) { return true }
        return startTime(of: record.pid, sys) == record.pidStart
    }

    /// Whether the record's supervisor is alive (it writes the status when the sandbox ends).
    public static func supervisorIsLive(_ record: SandboxRecord, _ sys: SystemCalls) -> Bool {
        startTime(of: record.supervisor, sys) == record.supervisorStart
    }
}

/// The caller's state directory: `/run/nsspec` as root, `$XDG_RUNTIME_DIR/nsspec` rootless, else
/// `/tmp/nsspec-UID`; each made 0700 when missing and used only when it belongs to the caller
/// and no one else may write to it.
public struct StateDirectory {
    public let path: String
    let sys: SystemCalls
    /// Another user's directory, as root's `ps` reads it (`others`): its records are read only
    /// when each is a regular file of that user's (lstat: not a symlink to elsewhere). Nil: the
    /// caller's own.
    public private(set) var foreignOwner: UInt32?

    public struct Unavailable: Error, Sendable {
        public var message: String
    }

    /// Where the caller's state directory is, whether it exists or not.
    public static func location(_ sys: SystemCalls) -> String {
        let id = sys.identity()
        if id.root { return "/run/nsspec" }
        if let runtime = sys.environmentValue("XDG_RUNTIME_DIR"), runtime.hasPrefix("/") { return runtime + "/nsspec" }
        return "/tmp/nsspec-\(id.uid)"
    }

    public static func open(_ sys: SystemCalls) -> Result<StateDirectory, Unavailable> {
        let dir = location(sys)
        guard sys.privateDirectory(dir) else {
            return .failure(Unavailable(message: "the state directory \(dir) is not private to this user (it must be a directory "
                                        + "owned by uid \(sys.identity().uid) that no one else may write to, or be missing "
                                        + "with its parent present)"))
        }
        return .success(StateDirectory(path: dir, sys: sys, foreignOwner: nil))
    }

    public func recordPath(_ name: String) -> String { "\(path)/\(name)" }
    public func planPath(_ name: String) -> String { "\(path)/\(name).plan" }

    /// The state directories of the rootless users, for root's `ps`: `/run/user/UID/nsspec` and
    /// `/tmp/nsspec-UID` (UID not 0), each only when it is a directory (not a symlink) owned by
    /// UID that neither group nor others may write to — what `open` asks of the user's own;
    /// anything else is skipped. By uid, `/run/user` first.
    public static func others(_ sys: SystemCalls) -> [(uid: UInt32, directory: StateDirectory)] {
        var found: [(uid: UInt32, directory: StateDirectory)] = []
        func consider(_ uid: UInt32?, _ path: String) {
            guard let uid, uid != 0, let status = try? sys.linkStatus(path), status.mode & 0o170000 == 0o040000,
                  status.owner == uid, status.mode & 0o022 == 0 else { return }
            found.append((uid, StateDirectory(path: path, sys: sys, foreignOwner: uid)))
        }
        for entry in (try? sys.directoryEntries("/run/user")) ?? [] { consider(UInt32(entry), "/run/user/\(entry)/nsspec") }
        for entry in (try? sys.directoryEntries("/tmp")) ?? [] where entry.hasPrefix("nsspec-") {
            let digits = entry.dropFirst(7)
            // The name a uid gives (no sign, no leading zero): one directory a uid.
            guard let uid = UInt32(digits), String(uid) == digits else { continue }
            consider(uid, "/tmp/\(entry)")
        }
        return found.enumerated().sorted { ($0.element.uid, $0.offset) < ($1.element.uid, $1.offset) }.map(\.element)
    }

    /// The names that have a record.
    public func names() -> [String] {
        ((try? sys.directoryEntries(path)) ?? []).filter { NamedSandbox.isValidName($0) && !$0.hasSuffix(".plan") }.sorted()
    }

    public enum Lookup {
        case missing
        case damaged
        case found(SandboxRecord)
    }

    public func read(_ name: String) -> Lookup { readWithBytes(name).lookup }

    /// The record and its bytes as read (nil: missing), for a removal only if unchanged.
    public func readWithBytes(_ name: String) -> (lookup: Lookup, bytes: [UInt8]?) {
        if let owner = foreignOwner {
            guard let status = try? sys.linkStatus(recordPath(name)) else { return (.missing, nil) }
            guard status.mode & 0o170000 == 0o100000, status.owner == owner else { return (.damaged, nil) }
        }
        guard let contents = try? sys.readFile(.path(recordPath(name)), limit: 1 << 16) else { return (.missing, nil) }
        guard let record = SandboxRecord(decoding: String(decoding: contents.bytes, as: UTF8.self)), record.name == name else {
            return (.damaged, contents.bytes)
        }
        return (.found(record), contents.bytes)
    }

    /// Claims the name with `record` (`starting`): link(2) of the whole record, EEXIST (a
    /// `SystemError`) when the name has a record already. Of two runs exactly one has it.
    public func claim(_ record: SandboxRecord) throws {
        try sys.linkNewFile(recordPath(record.name), with: Array(record.encoded().utf8))
    }

    public func write(_ record: SandboxRecord) throws {
        try sys.replaceFileByRename(recordPath(record.name), with: Array(record.encoded().utf8))
    }

    public func writePlan(_ name: String, _ bytes: [UInt8]) throws {
        try sys.replaceFileByRename(planPath(name), with: bytes)
    }

    /// Removes the record and plan of `name` (the caller's own): the plan first, so that a run
    /// that claims the name once the record is gone never loses its plan.
    public func remove(_ name: String) {
        try? sys.removeFile(planPath(name))
        try? sys.removeFile(recordPath(name))
    }

    /// Removes the record of `name` (and its plan) only while `still` holds for what is there,
    /// under a lock of the directory: of the commands that each found a record stale, one
    /// removes it; the others then find it gone or the claim that replaced it, never remove
    /// that. (A claim needs the name free, so none is made between the check and the removal.)
    /// Whether it removed it.
    @discardableResult
    public func remove(_ name: String, if still: (Lookup, [UInt8]) -> Bool) -> Bool {
        guard let lock = try? sys.lockDirectory(path) else { return false }
        defer { sys.close(lock) }
        let now = readWithBytes(name)
        guard let bytes = now.bytes, still(now.lookup, bytes) else { return false }
        remove(name)
        return true
    }

    /// Removes the record of `name` only if its bytes are still `bytes`.
    @discardableResult
    public func remove(_ name: String, ifStill bytes: [UInt8]?) -> Bool {
        guard let bytes else { return false }
        return remove(name) { $1 == bytes }
    }

    /// Removes the claim of `name` made by process `pid` (start time `start`), if it is still
    /// that claim (`starting`): what a run that failed before its process started leaves.
    public func removeClaim(_ name: String, pid: Int32, start: UInt64) {
        remove(name) { lookup, _ in
            if case .found(let record) = lookup, case .starting = record.state { return record.pid == pid && record.pidStart == start }
            return false
        }
    }

    /// Replaces the claim of `name` with `record` (the detached supervisor taking it over) only
    /// if it is still the one whose bytes are `bytes`; whether it did.
    public func replaceClaim(_ record: SandboxRecord, ifStill bytes: [UInt8]) -> Bool {
        guard let lock = try? sys.lockDirectory(path) else { return false }
        defer { sys.close(lock) }
        guard (try? sys.readFile(.path(recordPath(record.name)), limit: 1 << 16))?.bytes == bytes else { return false }
        return (try? write(record)) != nil
    }
}
