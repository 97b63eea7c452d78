import Planning
import SpecFormat
import System

/// Where the mount stage is. With a root of its own (`tmpfs`, a directory) the sandbox's
/// process first pivots into a scratch tmpfs: the host's tree is then at /oldroot (every bind
/// source, and a full /proc, which rootless proc and sysfs mounts need), and the new root is
/// built at /newroot. With `root: host` the table is mounted over the host's tree, in the
/// private mount namespace.
struct MountState {
    /// Host paths are found under this prefix ("/oldroot" while building a new root).
    var hostPrefix = ""
    /// Where the new root is mounted while it is built ("/" for `root: host`).
    var rootPath = "/"
    /// An O_PATH fd of the sandbox's root: every target is resolved inside it (RESOLVE_IN_ROOT),
    /// so that a symlink in the root cannot send a mount outside it.
    var rootFd: Int32 = -1
    /// With `root: host`, the tmpfs mounts of the spec (`dev` included), the only places nsspec
    /// creates anything in: each one's path and an O_PATH fd of its root, opened when it was
    /// mounted. nil with a root of its own, where the table may create anywhere.
    var scratch: [(path: String, fd: Int32)]?
    /// With `root: host` and `readonlyRoot`: the host's tree was made read-only, so a bind that
    /// is not read-only clears the flag its source mount now has.
    var hostTreeReadonly = false
    /// With a directory root (no overlay): its path. nsspec creates nothing in the host's copy
    /// of a root — only inside the spec's own tmpfs mounts, as with `root: host`.
    var hostRootDirectory: String?
}

extension Executor {
    func mount(_ action: Action) throws {
        switch action {
        case .makeRootPrivate:
            try sys.mount(source: nil, target: "/", type: nil, flags: [.recursive, .private], data: nil)
            mounts.rootFd = try sys.open("/", [.path, .directory])
            mounts.scratch = []
        case .enterStaging:
            try sys.mount(source: "tmpfs", target: "/tmp", type: "tmpfs", flags: [.nosuid, .nodev], data: "mode=0755,size=64k")
            try sys.mkdir("/tmp/newroot", mode: 0o755)
            try sys.mkdir("/tmp/oldroot", mode: 0o755)
            try sys.pivotRoot("/tmp", "/tmp/oldroot")
            try sys.chdir("/")
            mounts.hostPrefix = "/oldroot"
            mounts.rootPath = "/newroot"
            mounts.scratch = nil
        case .mountRootTmpfs:
            try sys.mount(source: "tmpfs", target: "/newroot", type: "tmpfs", flags: [.nosuid, .nodev], data: "mode=0755")
            try openRoot()
        case .bindRoot(let path, let readonly):
            try sys.mount(source: mounts.hostPrefix + host.resolved(path), target: "/newroot", type: nil, flags: [.bind, .recursive], data: nil)
            if readonly { try sys.mountSetattr("/newroot", recursive: true, set: .readonly, clear: [], propagation: []) }
            try openRoot()
            // The directory is the host's: mount points and entries go only into the spec's tmpfs mounts.
            mounts.scratch = []
            mounts.hostRootDirectory = path
        case .overlayRoot(let lower, let upper, let userNamespace):
            let start = options.verbose ? sys.now() : 0
            try mountOverlay(at: "/newroot", shown: "/", lower: [lower], upper: upper, userNamespace: userNamespace)
            try openRoot()
            if options.verbose { timeStep("overlay root", since: start) }
        case .overlay(let target, let lower, let upper, let userNamespace):
            let start = options.verbose ? sys.now() : 0
            let fd = try resolve(target, create: .directory)
            defer { sys.close(fd) }
            try mountOverlay(at: fdPath(fd), shown: target, lower: lower, upper: upper, userNamespace: userNamespace)
            if options.verbose { timeStep("overlay at \(target)", since: start) }
        case .bind(let source, let target, let optional, let recursive, let flags, let propagation):
            try bind(source: source, target: target, optional: optional, recursive: recursive, flags: flags, propagation: propagation)
        case .tmpfs(let target, let size, let mode, let flags):
            var data: [String] = []
            switch size {
            case .bytes(let n)?: data.append("size=\(n)")
            case .percent(let p)?: data.append("size=\(p)%")
            case nil: break
            }
            if let mode { data.append("mode=0" + String(mode, radix: 8)) }
            try mountAt(target, source: "tmpfs", type: "tmpfs", flags: msFlags(flags), data: data.isEmpty ? nil : data.joined(separator: ","))
            try rememberScratch(target)
        case .proc(let target):
            try mountAt(target, source: "proc", type: "proc", flags: [.nosuid, .nodev, .noexec], data: nil)
        case .sysfs(let target, let readonly):
            try mountAt(target, source: "sysfs", type: "sysfs", flags: MountFlags([.nosuid, .nodev, .noexec]).union(readonly ? .readonly : []), data: nil)
        case .devpts(let target):
            try mountAt(target, source: "devpts", type: "devpts", flags: [.nosuid, .noexec], data: "newinstance,ptmxmode=0666,mode=620")
            if Self.components(target) == ["dev", "pts"] { try ptmxOfItsOwn() }
        case .mqueue(let target):
            try mountAt(target, source: "mqueue", type: "mqueue", flags: [.nosuid, .nodev, .noexec], data: nil)
        case .dev(let target):
            try dev(target)
        case .directory(let target, let mode) where mounts.scratch != nil && !mounts.scratch!.contains(where: { $0.path == target }):
            let (parent, name) = try scratchParent(of: target)
            defer { sys.close(parent) }
            do {
                try sys.mkdirAt(parent, name, mode: mode ?? 0o755)
            } catch let error as SystemError where error.errno == .EEXIST {}
            if let mode {
                let fd = try beneath(parent, name, [.readOnly, .directory], of: target)
                defer { sys.close(fd) }
                try sys.fchmod(fd, mode)
            }
        case .file(let target, let content, let mode) where mounts.scratch != nil:
            let (parent, name) = try scratchParent(of: target)
            defer { sys.close(parent) }
            let fd = try beneath(parent, name, [.writeOnly, .create, .truncate], mode: 0o644, of: target)
            defer { sys.close(fd) }
            try sys.writeAll(fd, Array(content.utf8))
            if let mode { try sys.fchmod(fd, mode) }
        case .directory(let target, let mode):
            let fd = try resolve(target, create: .directory, mode: mode ?? 0o755)
            sys.close(fd)
            if let mode { try chmod(target, mode) }
        case .file(let target, let content, let mode):
            sys.close(try resolve(target, create: .regular))
            let fd = try inRoot(target, [.writeOnly, .truncate], mode: 0)
            defer { sys.close(fd) }
            try sys.writeAll(fd, Array(content.utf8))
            if let mode { try sys.fchmod(fd, mode) }
        case .resolvConf(let nameserver):
            try resolvConf(nameserver: nameserver)
        case .symlink(let target, let link):
            let (parent, name) = try makeParent(of: target)
            defer { sys.close(parent) }
            try sys.symlinkAt(link, parent, name)
        case .maskPaths(let paths):
            for path in paths { try mask(path) }
        case .readonlyPaths(let paths):
            for path in paths {
                guard let fd = try existing(path) else { continue }
                defer { sys.close(fd) }
                do {
                    try sys.bindTree(fdPath(fd), onto: fdPath(fd), recursive: true, set: .readonly, clear: [],
                                     attributesRecursive: true, propagation: [])
                } catch var error as SystemError {
                    error.object = path
                    throw error
                }
            }
        case .pivotRoot:
            try sys.umount("/oldroot", detach: true)
            try sys.chdir("/newroot")
            try sys.pivotRoot(".", ".")
            try sys.umount(".", detach: true)
            try sys.chdir("/")
            mounts.hostPrefix = ""
            mounts.rootPath = "/"
        case .remountRootReadonly:
            try sys.mountSetattr("/", recursive: false, set: .readonly, clear: [], propagation: [])
        case .readonlyHostTree:
            try sys.mountSetattr("/", recursive: true, set: .readonly, clear: [], propagation: [])
            mounts.hostTreeReadonly = true
        default: break
        }
    }

    private func openRoot() throws {
        sys.close(mounts.rootFd)
        mounts.rootFd = try sys.open(mounts.rootPath, [.path, .directory])
    }

    /// The path through which mount(2) reaches an O_PATH fd (a /proc magic link).
    private func fdPath(_ fd: Int32) -> String { "\(mounts.hostPrefix)/proc/self/fd/\(fd)" }

    private func inRoot(_ path: String, _ flags: OpenFlags, mode: UInt32 = 0) throws -> Int32 {
        do {
            return try sys.openInRoot(mounts.rootFd, path, flags, mode: mode)
        } catch var error as SystemError {
            error.object = path
            throw error
        }
    }

    /// An O_PATH fd of `path` in the sandbox's root, or nil if it does not exist.
    private func existing(_ path: String) throws -> Int32? {
        do {
            return try inRoot(path, .path)
        } catch let error as SystemError where error.errno == .ENOENT {
            return nil
        }
    }

    /// An O_PATH fd of `path` in the root, created if missing: the directories on the way
    /// (0755) and the last component as `kind` (a directory with `mode`, or an empty file).
    /// Symlinks are followed inside the root, also a dangling one, whose target is created
    /// there: `/mnt -> /etc` in a rootfs puts a mount at `/mnt/x` on the root's own /etc/x.
    private func resolve(_ path: String, create kind: FileKind, mode: UInt32 = 0o755) throws -> Int32 {
        if let fd = try existing(path) { return fd }
        if mounts.scratch != nil {
            let (parent, name) = try scratchParent(of: path)
            defer { sys.close(parent) }
            if kind == .directory {
                try sys.mkdirAt(parent, name, mode: mode)
            } else {
                sys.close(try beneath(parent, name, [.writeOnly, .create, .exclusive], mode: 0o644, of: path))
            }
            return try beneath(parent, name, .path, of: path)
        }
        var pending = Self.components(path)
        var done: [String] = []
        // Usually only the last component is missing: start from its parent when that exists.
        if pending.count > 1, let fd = try existing(Self.rooted(pending.dropLast())) {
            sys.close(fd)
            done = Array(pending.dropLast())
            pending = [pending[pending.count - 1]]
        }
        var known = true  // the next component, if last, is known to be missing
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            let last = pending.isEmpty
            if !(last && known), let fd = try existing(Self.rooted(done, name)) {
                if last { return fd }
                sys.close(fd)
                done.append(name)
                continue
            }
            let parent = try inRoot(Self.rooted(done), [.path, .directory])
            defer { sys.close(parent) }
            do {
                if last && kind != .directory {
                    sys.close(try sys.openInRoot(parent, name, [.writeOnly, .create, .exclusive, .noFollow], mode: 0o644))
                } else {
                    try sys.mkdirAt(parent, name, mode: last ? mode : 0o755)
                }
                done.append(name)
            } catch let error as SystemError where error.errno == .EEXIST {  // a dangling symlink?
                guard let link = try sys.readlinkAt(parent, name) else { throw error }
                links += 1
                if links > 40 { throw SystemError("open", path, errno: .ELOOP) }
                pending = (link.hasPrefix("/") ? [] : done) + Self.components(link) + pending
                done = []
                known = false
            }
        }
        return try inRoot(Self.rooted(done), .path)
    }

    /// "/a/b/c" from ["a", "b"] and "c". A loop, not `joined`: the generic stdlib version costs
    /// runtime conformance lookups in every process that first uses it.
    static func rooted(_ parts: some Collection<String>, _ last: String? = nil) -> String {
        var path = ""
        for part in parts {
            path += "/"
            path += part
        }
        if let last { path += "/" + last }
        return path.isEmpty ? "/" : path
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0 != "." }.map(String.init)
    }

    /// The parent directory of `path` (created if missing) as an fd, and the last component.
    @discardableResult
    private func makeParent(of path: String) throws -> (Int32, String) {
        if mounts.scratch != nil { return try scratchParent(of: path) }
        var parts = Self.components(path)
        let name = parts.popLast() ?? ""
        let parent = Self.rooted(parts)
        return (try resolve(parent, create: .directory), name)
    }

    // MARK: - root: host — creating only inside the spec's own tmpfs mounts

    /// After a tmpfs is mounted over the host's tree: nsspec may create inside it.
    private func rememberScratch(_ target: String) throws {
        guard mounts.scratch != nil else { return }
        mounts.scratch!.append((target, try inRoot(target, [.path, .directory])))
    }

    /// With `root: host`: the parent directory of `path` inside the deepest tmpfs of the spec
    /// that holds it (directories on the way made), and the last component. Reached beneath that
    /// tmpfs's root through no symlink and across no mount, so that nothing is ever made on the
    /// host — not through a symlink, nor on a host directory bound inside the tmpfs.
    private func scratchParent(of path: String) throws -> (Int32, String) {
        var deepest: (path: String, fd: Int32)?
        for s in mounts.scratch ?? [] where path.utf8.starts(with: (s.path + "/").utf8) {
            if deepest == nil || s.path.utf8.count >= deepest!.path.utf8.count { deepest = s }
        }
        guard let scratch = deepest else {
            if let dir = mounts.hostRootDirectory {
                throw RunFailure("\(path) does not exist in the root directory \(dir), and nsspec creates nothing in the host's copy of a root",
                                 errno: .ENOENT,
                                 hint: "use root: {path: \(dir), overlay: tmpfs}: mount points and entries are then made in the overlay's "
                                    + "upper layer, never in \(dir); or create \(dir)\(path) on the host, "
                                    + "or mount a tmpfs above it in the spec")
            }
            throw RunFailure("\(path) does not exist on the host, and with root: host nsspec creates nothing there",
                             errno: .ENOENT, hint: "mount a tmpfs above it in the spec, or use root: tmpfs or a directory root with overlay: tmpfs")
        }
        var parts = Self.components(String(decoding: path.utf8.dropFirst(scratch.path.utf8.count), as: UTF8.self))
        let name = parts.popLast() ?? ""
        var dir = try beneath(scratch.fd, ".", [.path, .directory], of: scratch.path)
        for part in parts {
            let next: Int32
            do {
                do {
                    next = try beneath(dir, part, [.path, .directory], of: path)
                } catch let error as SystemError where error.errno == .ENOENT {
                    try sys.mkdirAt(dir, part, mode: 0o755)
                    next = try beneath(dir, part, [.path, .directory], of: path)
                }
            } catch {
                sys.close(dir)
                throw error
            }
            sys.close(dir)
            dir = next
        }
        return (dir, name)
    }

    /// openBeneath, its refusals said in words: crossing into a host mount or a symlink.
    private func beneath(_ dir: Int32, _ name: String, _ flags: OpenFlags, mode: UInt32 = 0, of path: String) throws -> Int32 {
        do {
            return try sys.openBeneath(dir, name, flags, mode: mode)
        } catch let error as SystemError where error.errno == .EXDEV || error.errno == .ELOOP {
            let through = error.errno == .EXDEV ? "a mount point (a host path bound inside the tmpfs?)" : "a symlink"
            let root = mounts.hostRootDirectory.map { "with a directory root (\($0)) without overlay" } ?? "with root: host"
            throw RunFailure("\(path) is reached through \(through); \(root) nsspec creates only inside the spec's own tmpfs mounts",
                             errno: error.errno, hint: "put the entry where nothing is bound or linked on the way, or use root: tmpfs (or overlay: tmpfs)")
        } catch var error as SystemError {
            error.object = path
            throw error
        }
    }

    /// An overlay at `path` (reached by mount(2) as it is): `lower` top first, and an upper layer —
    /// a tmpfs of its own (mounted nowhere: only the overlay holds it, and it goes with it),
    /// the spec's directories, or none (read-only; one lower alone is then a read-only bind,
    /// as overlayfs wants two lowers without an upper). In a user namespace with `userxattr`,
    /// which overlayfs requires there (its `trusted.` attributes are the host's root's).
    private func mountOverlay(at path: String, shown target: String, lower: [String], upper: OverlayLayer, userNamespace: Bool) throws {
        let lowers = lower.map { mounts.hostPrefix + host.resolved($0) }
        var tmpfs: Int32 = -1
        defer { if tmpfs >= 0 { sys.close(tmpfs) } }
        var options = "lowerdir=" + lowers.map(OverlayLayer.escaped).joined(separator: ":")
        var flags: MountFlags = []
        switch upper {
        case .none:
            if lowers.count == 1 {
                try sys.mount(source: lowers[0], target: path, type: nil, flags: [.bind, .recursive], data: nil)
                try sys.mountSetattr(path, recursive: true, set: .readonly, clear: [], propagation: [])
                return
            }
            flags.insert(.readonly)
        case .tmpfs:
            tmpfs = try sys.openDetachedTmpfs()
            try sys.mkdirAt(tmpfs, "upper", mode: 0o755)
            try sys.mkdirAt(tmpfs, "work", mode: 0o700)
            let base = "\(mounts.hostPrefix)/proc/self/fd/\(tmpfs)"
            options += ",upperdir=\(base)/upper,workdir=\(base)/work"
        case .directory(let u, let w):
            options += ",upperdir=" + OverlayLayer.escaped(mounts.hostPrefix + host.resolved(u))
                + ",workdir=" + OverlayLayer.escaped(mounts.hostPrefix + host.resolved(w))
        }
        if userNamespace { options += ",userxattr" }
        do {
            try sys.mount(source: "overlay", target: path, type: "overlay", flags: flags, data: options)
        } catch var error as SystemError {
            error.object = "overlay at \(target)"
            throw error
        }
    }

    private func chmod(_ path: String, _ mode: UInt32) throws {
        let fd = try inRoot(path, [.readOnly, .directory])
        defer { sys.close(fd) }
        try sys.fchmod(fd, mode)
    }

    private func msFlags(_ f: MountOptions) -> MountFlags {
        var flags: MountFlags = []
        if f.readonly { flags.insert(.readonly) }
        if f.nosuid { flags.insert(.nosuid) }
        if f.nodev { flags.insert(.nodev) }
        if f.noexec { flags.insert(.noexec) }
        return flags
    }

    /// Mount a filesystem at `target` inside the root (a directory, created if missing).
    private func mountAt(_ target: String, source: String, type: String, flags: MountFlags, data: String?) throws {
        let fd = try resolve(target, create: .directory)
        defer { sys.close(fd) }
        do {
            try sys.mount(source: source, target: fdPath(fd), type: type, flags: flags, data: data)
        } catch var error as SystemError {
            error.object = "\(type) at \(target)"
            throw error
        }
    }

    private func bind(source: String, target: String, optional: Bool, recursive: Bool, flags: MountOptions, propagation: Propagation) throws {
        if host.skippedSources.contains(source) { return }
        let hostSource = mounts.hostPrefix + host.resolved(source)
        let kind: FileKind
        do {
            kind = try sys.fileKind(hostSource)
        } catch let error as SystemError where error.errno == .ENOENT && optional {
            return
        } catch var error as SystemError {
            error.object = source
            throw error
        }
        let fd = try resolve(target, create: kind == .directory ? .directory : .regular)
        defer { sys.close(fd) }
        // MS_* per-mount flags as MOUNT_ATTR_* attributes: the values differ in general.
        let set = MountAttributes(msFlags(flags))
        // Under a read-only host tree the bind has its source mount's read-only flag.
        let clear: MountAttributes = mounts.hostTreeReadonly && !flags.readonly ? .readonly : []
        let (recursivePropagation, msPropagation) = Self.propagation(propagation)
        do {
            if set.isEmpty && clear.isEmpty && propagation == .rprivate {
                try sys.mount(source: hostSource, target: fdPath(fd), type: nil, flags: MountFlags.bind.union(recursive ? .recursive : []), data: nil)
            } else {
                // The attributes go on the copy before it is attached: looking the target up
                // again to set them could land on another mount, put there by a rename.
                try sys.bindTree(hostSource, onto: fdPath(fd), recursive: recursive, set: set, clear: clear,
                                 attributesRecursive: recursive || recursivePropagation,
                                 propagation: propagation == .rprivate ? [] : msPropagation)
            }
        } catch var error as SystemError {
            error.object = "\(source) on \(target)"
            throw error
        }
    }

    /// `network.userMode.dns`: the sandbox's /etc/resolv.conf names pasta's forwarder. The file
    /// is made on a tmpfs of nsspec's — the staging tmpfs while a root is built, else one
    /// mounted over /tmp for the moment it takes — and bound read-only over the root's
    /// /etc/resolv.conf (made when the root has none); its name is then removed, so nothing of
    /// it is seen but the bind, and nothing is written to a host file.
    private func resolvConf(nameserver: String) throws {
        let content = "# nsspec: network.userMode.dns; pasta forwards these queries to the host's resolver\nnameserver \(nameserver)\n"
        let staging = mounts.rootPath != "/"
        let dir = staging ? "" : "/tmp"
        if !staging {
            try sys.mount(source: "tmpfs", target: "/tmp", type: "tmpfs", flags: [.nosuid, .nodev, .noexec], data: "mode=0700,size=16k")
        }
        defer { if !staging { try? sys.umount("/tmp", detach: true) } }
        let source = dir + "/nsspec-resolv.conf"
        let fd = try sys.open(source, [.writeOnly, .create, .exclusive])
        defer { try? sys.removeFile(source) }
        do {
            defer { sys.close(fd) }
            try sys.writeAll(fd, Array(content.utf8))
            try sys.fchmod(fd, 0o644)
        }
        let target = try resolve("/etc/resolv.conf", create: .regular)
        defer { sys.close(target) }
        do {
            try sys.bindTree(source, onto: fdPath(target), recursive: false, set: [.readonly, .nosuid, .nodev, .noexec], clear: [],
                             attributesRecursive: false, propagation: [])
        } catch var error as SystemError {
            error.object = "a resolv.conf naming \(nameserver) on /etc/resolv.conf"
            throw error
        }
    }

    static func propagation(_ p: Propagation) -> (recursive: Bool, flag: MountFlags) {
        switch p {
        case .private: (false, .private)
        case .rprivate: (true, .private)
        case .slave: (false, .slave)
        case .rslave: (true, .slave)
        case .shared: (false, .shared)
        case .rshared: (true, .shared)
        case .unbindable: (false, .unbindable)
        case .runbindable: (true, .unbindable)
        }
    }

    /// Directories get an empty read-only tmpfs over them, files the host's /dev/null.
    private func mask(_ path: String) throws {
        guard let fd = try existing(path) else { return }
        defer { sys.close(fd) }
        // stat through the fd: what was resolved in the root, not a second lookup.
        let isDirectory = try sys.fileKind(fdPath(fd)) == .directory
        do {
            if isDirectory {
                try sys.mount(source: "tmpfs", target: fdPath(fd), type: "tmpfs", flags: .readonly, data: "size=0k,nr_inodes=1")
            } else {
                try sys.mount(source: mounts.hostPrefix + "/dev/null", target: fdPath(fd), type: nil, flags: .bind, data: nil)
            }
        } catch var error as SystemError {
            error.object = path
            throw error
        }
    }

    /// After a devpts at /dev/pts: /dev/ptmx is the new instance's (a pty opened through it is the
    /// sandbox's, whatever path lookup the kernel does). A link (`dev`'s, to pts/ptmx) is left as
    /// it is; a node or file gets the instance's ptmx bound over it; a missing one becomes the link,
    /// except over the host's tree, where nsspec creates nothing outside the spec's tmpfs mounts.
    private func ptmxOfItsOwn() throws {
        guard let dev = try existing("/dev") else { return }
        defer { sys.close(dev) }
        if try sys.readlinkAt(dev, "ptmx") != nil { return }
        guard let ptmx = try existing("/dev/ptmx") else {
            if mounts.scratch == nil { try sys.symlinkAt("pts/ptmx", dev, "ptmx") }
            return
        }
        defer { sys.close(ptmx) }
        let own = try inRoot("/dev/pts/ptmx", .path)
        defer { sys.close(own) }
        do {
            try sys.mount(source: fdPath(own), target: fdPath(ptmx), type: nil, flags: .bind, data: nil)
        } catch var error as SystemError {
            error.object = "/dev/pts/ptmx on /dev/ptmx"
            throw error
        }
    }

    static let deviceNodes = ["null", "zero", "full", "random", "urandom", "tty"]

    /// A minimal /dev: a tmpfs with the host's harmless device nodes bound in (a user namespace
    /// may not mknod), a private devpts, /dev/shm and the usual links. The host's nodes are
    /// opened before the tmpfs is mounted: with `root: host` it covers the very /dev they are in.
    private func dev(_ target: String) throws {
        let base = target == "/" ? "" : target
        var nodes: [(name: String, fd: Int32)] = []
        defer { for node in nodes { sys.close(node.fd) } }
        for node in Self.deviceNodes {
            let source = mounts.hostPrefix + "/dev/" + node
            do {
                nodes.append((node, try sys.open(source, .path)))
            } catch var error as SystemError {
                error.object = "/dev/" + node
                throw error
            }
        }
        try mountAt(target, source: "tmpfs", type: "tmpfs", flags: [.nosuid, .noexec], data: "mode=0755,size=64k")
        try rememberScratch(target)
        for node in nodes {
            let fd = try resolve("\(base)/\(node.name)", create: .regular)
            defer { sys.close(fd) }
            do {
                try sys.mount(source: fdPath(node.fd), target: fdPath(fd), type: nil, flags: .bind, data: nil)
            } catch var error as SystemError {
                error.object = "/dev/\(node.name) on \(base)/\(node.name)"
                throw error
            }
        }
        try mountAt("\(base)/pts", source: "devpts", type: "devpts", flags: [.nosuid, .noexec], data: "newinstance,ptmxmode=0666,mode=620")
        try mountAt("\(base)/shm", source: "tmpfs", type: "tmpfs", flags: [.nosuid, .nodev], data: "mode=1777")
        let links = [("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                     ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")]
        for (name, link) in links {
            let (parent, leaf) = try makeParent(of: "\(base)/\(name)")
            defer { sys.close(parent) }
            try sys.symlinkAt(link, parent, leaf)
        }
    }
}
