import Planning
import SpecFormat
import System

/// What preflight learns about the host, for the steps that follow.
/// Plain fields rather than dictionaries keyed by enums: each generic instantiation costs a
/// runtime conformance lookup at first use, which a static binary pays on every run.
struct HostFacts {
    /// The caller's subordinate ranges, from /etc/subuid and /etc/subgid.
    var subordinateUIDs: [SubordinateRange] = []
    var subordinateGIDs: [SubordinateRange] = []
    var newuidmap = "/usr/bin/newuidmap"
    var newgidmap = "/usr/bin/newgidmap"
    /// Optional bind sources that do not exist: their mounts are skipped.
    var skippedSources: [String] = []
    /// Host paths (bind sources, a directory root) as the host resolves them, symlinks and `..`
    /// included: mounted from under /oldroot, they then name the host's file, never the
    /// staging area (an absolute symlink, or `/..` from /oldroot, would reach it).
    var canonical: [(path: String, resolved: String)] = []

    /// The host's resolution of `path` (itself when preflight did not resolve it).
    func resolved(_ path: String) -> String { canonical.first { $0.path == path }?.resolved ?? path }

    func subordinate(_ kind: IDKind) -> [SubordinateRange] { kind == .uid ? subordinateUIDs : subordinateGIDs }
    func helper(_ kind: IDKind) -> String { kind == .uid ? newuidmap : newgidmap }
}

struct SubordinateRange {
    var start: UInt32
    var count: UInt32
}

extension Executor {
    /// The host as `run` reads it, for this run's caller.
    var hostReader: HostReader { HostReader(sys, caller: caller) }

    /// A preflight check of the host (`Action.isHostCheck`): `run` stops at the first that
    /// fails; `validate --host` and `doctor` run them all (`hostCheck`).
    func preflight(_ action: Action) throws {
        let reader = hostReader
        switch action {
        case .checkMapHelper(let kind):
            let name = "new\(kind.rawValue)map"
            guard let path = reader.mapHelper(kind) else {
                throw RunFailure("\(name) is not installed, and the map needs ids the caller may not map itself",
                                 hint: "apt install uidmap (or map only `self`)")
            }
            if kind == .uid { host.newuidmap = path } else { host.newgidmap = path }
        case .checkSubordinateRange(let kind, let count):
            let ranges = try reader.subordinateRanges(kind)
            let total = ranges.reduce(UInt64(0)) { $0 + UInt64($1.count) }
            guard total >= count else {
                let name = try reader.callerName()
                let who = name.map { "\($0) (uid \(caller.uid))" } ?? "uid \(caller.uid)"
                let start = try reader.freeSubordinateStart(kind, count: count)
                throw RunFailure("/etc/sub\(kind.rawValue) gives \(who) \(total) subordinate \(kind.rawValue)s; the map needs \(count)",
                                 hint: "as root: usermod --add-sub\(kind.rawValue)s \(start)-\(start + count - 1) \(name ?? String(caller.uid))")
            }
            if kind == .uid { host.subordinateUIDs = ranges } else { host.subordinateGIDs = ranges }
        case .checkSource(let path, let optional):
            do {
                _ = try sys.fileKind(path)
                let resolved = try sys.canonicalPath(path)
                host.canonical.append((path, resolved))
                try checkSandboxReaches(path, resolved: resolved)
            } catch let error as SystemError where error.errno == .ENOENT {
                if optional { host.skippedSources.append(path); return }
                // A directory root has no `optional`: only a bind source may be skipped.
                let isRoot = plan.steps.contains {
                    switch $0.action {
                    case .bindRoot(path, _), .overlayRoot(path, _, _): true
                    default: false
                    }
                }
                throw RunFailure("\(path) does not exist", errno: error.errno,
                                 hint: isRoot ? "make it a root file system first (e.g. mmdebstrap --variant=minbase bookworm DIR), or fix the path (relative paths are relative to the spec file)"
                                     : "create it, fix the path (relative paths are relative to the spec file), or add `optional: true`")
            }
        case .checkTarget(let path, let directory):
            let kind: FileKind
            do {
                kind = try sys.fileKind(path)
            } catch let error as SystemError where error.errno == .ENOENT {
                throw RunFailure("the mount target \(path) does not exist on the host, and with root: host nsspec creates nothing there",
                                 errno: error.errno,
                                 hint: "mount a tmpfs above it in the spec, use root: tmpfs or a directory root, or create it on the host first")
            }
            if directory && kind != .directory {
                throw RunFailure("the mount target \(path) is not a directory on the host (a filesystem is mounted only on a directory)",
                                 errno: .ENOTDIR, hint: "choose a directory as the target, or use root: tmpfs")
            }
        case .checkOverlay(let upper, let userNamespace):
            try checkOverlay(upper, userNamespace: userNamespace)
        case .checkNamespacePath(let kind, let path):
            do {
                _ = try sys.fileKind(path)
            } catch let error as SystemError where error.errno == .ENOENT {
                throw RunFailure("there is no \(kind.rawValue) namespace to join at \(path)", errno: error.errno,
                                 hint: path.hasPrefix("/proc/") ? "is the process still running? Check the pid (ls -l \(path))"
                                     : "check the path: ip netns list shows the named network namespaces, lsns -t \(kind.rawValue) all of them")
            }
        default: break
        }
    }

    /// The kernel can mount the overlay: overlayfs is there, in a user namespace from Linux 5.11
    /// on; a directory upper and its work directory are directories on one filesystem. (Layers
    /// inside one another are `validate`'s overlay-layers, from the same paths as written.)
    func checkOverlay(_ upper: OverlayLayer, userNamespace: Bool) throws {
        let filesystems = String(decoding: try sys.readFile(.path("/proc/filesystems"), limit: 1 << 16).bytes, as: UTF8.self)
        if !filesystems.contains("\toverlay\n") {
            throw RunFailure("this kernel has no overlayfs (overlay is not in /proc/filesystems)", errno: .ENODEV,
                             hint: "as root: modprobe overlay; or use a root and mounts without overlay")
        }
        if userNamespace {
            let release = sys.kernelRelease().release
            let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
            if numbers.count == 2, (numbers[0], numbers[1]) < (5, 11) {
                throw RunFailure("overlayfs in a user namespace needs Linux 5.11 or later; this kernel is \(release)", errno: .EPERM,
                                 hint: "run as root without a `user` namespace, on a newer kernel, or without overlay")
            }
        }
        guard case .directory(let u, let w) = upper else { return }
        let us = try sys.fileStatus(u), ws = try sys.fileStatus(w)
        for (path, status) in [(u, us), (w, ws)] where status.mode & 0o170000 != 0o040000 {
            throw RunFailure("the overlay's \(path == u ? "upper" : "work") \(path) is not a directory", errno: .ENOTDIR,
                             hint: "give directories: upper keeps the writes, work is overlayfs's own (empty) directory")
        }
        if us.device != ws.device {
            throw RunFailure("the overlay's upper \(u) and work \(w) are on different filesystems; overlayfs needs both on one",
                             errno: .EXDEV, hint: "put work beside upper, e.g. upper: DIR/upper and work: DIR/work")
        }
    }

    /// When the maps leave the caller out, the sandbox builds its mounts as the id it takes
    /// (`adoptMappedID`), a stranger to the caller's files: a bind source or directory root it
    /// cannot look up fails at its mount with EACCES, after the namespaces are made. Said here
    /// instead, with the directory that stops it. A directory lets it through when its mode
    /// lets others through (or the group: the caller's supplementary groups stay until the
    /// process stage), when it is the sandbox's own, or when its owner and group are mapped
    /// (the sandbox's capabilities then count).
    func checkSandboxReaches(_ path: String, resolved: String) throws {
        var adopted: UInt32?
        for step in plan.steps {
            if case .adoptMappedID(IDKind.uid, _, let to) = step.action { adopted = to }
        }
        guard let adopted, let uidMap = resolvedMap(IDKind.uid), let gidMap = resolvedMap(IDKind.gid),
              let uid = Self.hostID(adopted, uidMap) else { return }
        func mapped(_ id: UInt32, _ map: [IDMapText.Line]) -> Bool {
            map.contains { UInt64($0.outside) <= UInt64(id) && UInt64(id) < UInt64($0.outside) + UInt64($0.count) }
        }
        var dir = ""
        for part in [""] + resolved.split(separator: "/").dropLast().map(String.init) {
            dir += part.isEmpty ? "" : "/" + part
            let status = try sys.fileStatus(dir.isEmpty ? "/" : dir)
            let others = status.mode & 0o011 != 0
            let own = status.owner == uid && status.mode & 0o100 != 0
            let through = others || own || (mapped(status.owner, uidMap) && mapped(status.group, gidMap))
            guard !through else { continue }
            let shown = dir.isEmpty ? "/" : dir
            throw RunFailure(
                "\(path) is out of the sandbox's reach: the uid map leaves out your uid \(caller.uid), so the sandbox builds its "
                    + "mounts as uid \(adopted) of the map, uid \(uid) on the host, which \(shown) (mode 0\(String(status.mode & 0o7777, radix: 8)), "
                    + "owner \(status.owner)) does not let through", errno: .EACCES,
                hint: "map your own uid and gid too ({inside: 65536, outside: self, count: 1} in uidMap and gidMap; "
                    + "process uid: 0 and gid: 0 still run the process as 0), or let others through: chmod o+x \(shown)")
        }
    }

    /// A map of the plan with /etc/sub*'s ranges filled in (nil when preflight has not read
    /// them, as `validate --host` after a failed range check).
    private func resolvedMap(_ kind: IDKind) -> [IDMapText.Line]? {
        for step in plan.steps {
            if case .writeMap(kind, let lines, _, _) = step.action { return try? resolve(kind, lines) }
        }
        return nil
    }

    private static func hostID(_ inside: UInt32, _ map: [IDMapText.Line]) -> UInt32? {
        for line in map where UInt64(line.inside) <= UInt64(inside) && UInt64(inside) < UInt64(line.inside) + UInt64(line.count) {
            return line.outside + (inside - line.inside)
        }
        return nil
    }

    /// Makes a user namespace (`unshare`, or the clone of the sandbox). Why the kernel refused
    /// one is asked only when it did: reading the sysctls before every run would cost each run
    /// what almost no run needs.
    func makingUserNamespace<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SystemError {
            if let cause = hostReader.userNamespaceRefusal(error.errno) { throw cause }
            throw error
        }
    }
}

/// Host state as nsspec reads it — files, sysctls, the caller's subordinate ranges, the map
/// helpers — for preflight (`run`), `validate --host` and `doctor` alike, so that all three
/// answer the same. Reads only.
struct HostReader {
    let sys: SystemCalls
    let caller: Caller

    init(_ sys: SystemCalls, caller: Caller) {
        self.sys = sys
        self.caller = caller
    }

    static let helperDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]

    /// Where newuidmap or newgidmap is installed (nil: nowhere nsspec looks).
    func mapHelper(_ kind: IDKind) -> String? {
        Self.helperDirectories.map { "\($0)/new\(kind.rawValue)map" }.first(where: sys.isExecutable)
    }

    /// A sysctl's value (`user.max_user_namespaces`), trimmed; nil when this kernel has none.
    func sysctl(_ name: String) -> String? {
        let path = "/proc/sys/" + String(name.map { $0 == "." ? "/" : $0 })
        guard let bytes = try? readIfPresent(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }

    /// After the kernel refused a user namespace with `errno`: the host setting that explains
    /// it, if one does.
    func userNamespaceRefusal(_ errno: Errno) -> RunFailure? {
        guard [.EPERM, .EACCES, .EINVAL, .ENOSPC, .EUSERS].contains(errno) else { return nil }
        if sysctl("user.max_user_namespaces") == "0" {
            return RunFailure("user namespaces are disabled on this host (user.max_user_namespaces = 0)", errno: errno,
                              hint: "as root: sysctl -w user.max_user_namespaces=15000")
        }
        guard !caller.privileged else { return nil }
        if sysctl("kernel.unprivileged_userns_clone") == "0" {
            return RunFailure("unprivileged user namespaces are disabled on this host (kernel.unprivileged_userns_clone = 0)",
                              errno: errno, hint: "as root: sysctl -w kernel.unprivileged_userns_clone=1, or run nsspec as root")
        }
        if sysctl("kernel.apparmor_restrict_unprivileged_userns") == "1" {
            return RunFailure(
                "AppArmor restricts unprivileged user namespaces on this host (kernel.apparmor_restrict_unprivileged_userns = 1)",
                errno: errno,
                hint: "as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give nsspec an AppArmor profile with `userns,`")
        }
        return nil
    }

    /// A host file's bytes, or nil if it does not exist (any other error is a failure).
    func readIfPresent(_ path: String) throws -> [UInt8]? {
        do {
            return try sys.readFile(.path(path), limit: 4 << 20).bytes
        } catch let error as SystemError where error.errno == .ENOENT {
            return nil
        }
    }

    /// The caller's lines of /etc/subuid or /etc/subgid: `name:start:count` or `uid:start:count`.
    func subordinateRanges(_ kind: IDKind) throws -> [SubordinateRange] {
        let path = "/etc/sub\(kind.rawValue)"
        guard let bytes = try readIfPresent(path) else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        let me = kind == .uid ? caller.uid : caller.gid
        // Both files name the user (by name or uid), also /etc/subgid.
        let names = [String(me), String(caller.uid)] + [try callerName()].compactMap { $0 }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 3, names.contains(String(f[0])), let start = UInt32(f[1]), let count = UInt32(f[2]), count > 0
            else { return nil }
            return SubordinateRange(start: start, count: count)
        }
    }

    /// Where a new range of `count` ids can start in /etc/sub{uid,gid}: past every range the
    /// file gives anyone, on a 65,536 boundary, and at 100000 at the least (usermod's own
    /// default), so that the hint's command gives no two users the same ids.
    func freeSubordinateStart(_ kind: IDKind, count: UInt64) throws -> UInt64 {
        var end: UInt64 = 100_000
        if let bytes = try readIfPresent("/etc/sub\(kind.rawValue)") {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let f = line.split(separator: ":", omittingEmptySubsequences: false)
                guard f.count == 3, let start = UInt64(f[1]), let n = UInt64(f[2]) else { continue }
                end = max(end, start + n)
            }
        }
        if end == 100_000 { return end }
        return (end + 65_535) / 65_536 * 65_536
    }

    /// The caller's user name from /etc/passwd (read directly: a static binary has no NSS).
    func callerName() throws -> String? {
        guard let bytes = try readIfPresent("/etc/passwd") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count > 2, UInt32(f[2]) == caller.uid { return String(f[0]) }
        }
        return nil
    }
}

extension String {
    /// Over the UTF-8 bytes: the generic UnicodeScalarView route costs a scan of every
    /// protocol conformance in the binary at first use (~50 µs a launch, measured with perf).
    func trimmingWhitespace() -> String {
        let bytes = Array(utf8)
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 }
        var start = 0, end = bytes.count
        while start < end && blank(bytes[start]) { start += 1 }
        while end > start && blank(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
