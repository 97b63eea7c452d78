import Diagnostics
import SpecFormat

let mountRules: [Rule] = [
    Rule("mount-target", "mount targets are absolute, normalised and not '/'") { spec, _ in
        mounts(spec).compactMap { m in
            guard let t = m.target else { return nil }
            if let problem = PathCheck.problem(t.value) {
                return .error("mount-target", "mount target '\(t.value)' \(problem)", at: t.location, hint: PathCheck.hint(t.value))
            }
            if t.value == "/" {
                return .error("mount-target", "'/' cannot be a mount target", at: t.location,
                              hint: "set 'root' to choose what '/' is")
            }
            return nil
        }
    },
    Rule("mount-under-proc", "nothing but proc is mounted at or under /proc") { spec, _ in
        mounts(spec).compactMap { m in
            guard m.type != .proc, let t = m.effectiveTarget, t.value == "/proc" || t.value.hasPrefix("/proc/") else { return nil }
            return .error(
                "mount-under-proc", "a \(m.type.rawValue) mount cannot be placed at or under /proc", at: t.location,
                hint: "covering procfs files hides the kernel's and the sandbox's own state (CVE-2019-16884)")
        }
    },
    Rule("mount-on-file", "a filesystem is not mounted on an earlier file or symlink") { spec, _ in
        let table = mounts(spec)
        return mountsOnFiles(table).compactMap { (i, j) in
            let m = table[i], made = table[j]
            guard let target = m.effectiveTarget, let madeAt = made.effectiveTarget else { return nil }
            let what = "\(m.type == .mqueue ? "an" : "a") \(m.type.rawValue) mount on \(target.value)"
            let message: String
            switch (made.type, made.link?.value) {
            case (.symlink, let link?):
                message = "\(what), where an earlier entry creates a symlink to '\(PathCharacters.escaped(link))': "
                    + "the mount would land where the link points, not on \(target.value)"
            case _ where madeAt.value != target.value:
                message = "\(what), under \(madeAt.value), where an earlier entry creates a file: "
                    + "a file has nothing under it (the run would fail with ENOTDIR)"
            default:
                message = "\(what), where an earlier entry creates a file: "
                    + "a filesystem is mounted only on a directory (the run would fail with ENOTDIR)"
            }
            return .error(
                "mount-on-file", message, at: target.location,
                notes: [.init("the \(made.type == .symlink ? "symlink" : "file") is created here", at: madeAt.location)],
                hint: "mount it on a directory: choose another target, or drop the \(made.type.rawValue) entry")
        }
    },
    Rule("mount-shadowed", "a later mount does not hide an earlier one") { spec, _ in
        let table = mounts(spec)
        // A filesystem on an earlier file or symlink does not hide it: it fails (mount-on-file).
        var onFile = [Bool](repeating: false, count: table.count)
        for (i, _) in mountsOnFiles(table) { onFile[i] = true }
        var out: [Diagnostic] = []
        // Each earlier target under every one of its ancestors (and itself), the first one kept:
        // a later target found there hides it. Linear in the mounts (times their depth); a
        // comparison of every pair took 1.8 s for 4,096 mounts.
        var under: [String: (Mount, Located<String>)] = [:]
        for (i, later) in table.enumerated() {
            guard let lt = later.effectiveTarget else { continue }
            if PathCheck.problem(lt.value) == nil, lt.value != "/", !onFile[i], let (earlier, et) = under[lt.value] {
                let what = et.value == lt.value ? "on the same target" : "on \(et.value), which lies under it"
                out.append(.warning(
                    "mount-shadowed",
                    "this \(later.type.rawValue) mount on \(lt.value) hides the earlier \(earlier.type.rawValue) \(what)",
                    at: lt.location, notes: [.init("the hidden mount is here", at: et.location)],
                    hint: "move this entry before the one it hides"))
            }
            var path = Substring(lt.value)
            while !path.isEmpty {
                if under[String(path)] == nil { under[String(path)] = (later, lt) }
                guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { break }
                path = path[..<slash]
            }
        }
        return out
    },
    Rule("mount-fields", "bind sources, symlink links, overlay layers and root paths are not empty") { spec, _ in
        var out: [Diagnostic] = []
        for m in mounts(spec) {
            if let s = m.source, s.value.isEmpty {
                out.append(.error("mount-fields", "a bind mount's 'source' cannot be empty", at: s.location,
                                  hint: "use '.' for the directory of the spec file"))
            }
            if let l = m.link, l.value.isEmpty {
                out.append(.error("mount-fields", "a symlink's 'link' cannot be empty", at: l.location))
            }
            for l in m.lower?.value ?? [] where l.value.isEmpty {
                out.append(.error("mount-fields", "an overlay's lower directory cannot be empty", at: l.location,
                                  hint: "use '.' for the directory of the spec file"))
            }
            if let size = m.size, size.value == .bytes(0) {
                out.append(.error("mount-fields", "a tmpfs of size 0 has no limit at all in the kernel's reading", at: size.location,
                                  hint: "leave 'size' out for the kernel's default (half of RAM), or give a real limit"))
            }
        }
        if let root = spec.root, case .directory(let path, _, _) = root.value, path.value.isEmpty {
            out.append(.error("mount-fields", "root 'path' cannot be empty", at: path.location))
        }
        // An overlay's kept upper and work, of a mount or of the root.
        var uppers = mounts(spec).compactMap(\.upper)
        if case .directory(_, _, let overlay?)? = spec.root?.value { uppers.append(overlay) }
        for case .directory(let upper, let work) in uppers.map(\.value) {
            for (name, path) in [("upper", upper), ("work", work)] where path.value.isEmpty {
                out.append(.error("mount-fields", "an overlay's '\(name)' cannot be empty", at: path.location,
                                  hint: "use '.' for the directory of the spec file"))
            }
        }
        return out
    },
    Rule("proc-without-pid", "proc needs a new pid namespace") { spec, _ in
        mounts(spec).filter { $0.type == .proc }.flatMap { m in
            requires(spec, m.location, "a proc mount", .pid, join: false, rule: "proc-without-pid")
        }
    },
    Rule("mqueue-without-ipc", "mqueue needs a new ipc namespace") { spec, _ in
        mounts(spec).filter { $0.type == .mqueue }.flatMap { m in
            requires(spec, m.location, "an mqueue mount", .ipc, join: false, rule: "mqueue-without-ipc")
        }
    },
    Rule("sysfs-without-net", "sysfs under a new user namespace needs a new net namespace") { spec, _ in
        guard spec.creates(.user), !spec.creates(.net) else { return [] }
        return mounts(spec).filter { $0.type == .sysfs }.map { m in
            .error(
                "sysfs-without-net",
                "a sysfs mount in a new user namespace requires a new 'net' namespace", at: m.location,
                notes: spec.namespacesNote(),
                hint: "the kernel lets a user namespace mount sysfs only when it owns the network namespace; add 'net'")
        }
    },
]

func mounts(_ spec: Spec) -> [Mount] { spec.mounts?.value ?? [] }

/// The mount types that mount a filesystem, which the kernel mounts only on a directory.
/// The types that mount a filesystem (the kernel mounts one only on a directory). A switch, not
/// a Set: a generic Set costs a static binary runtime conformance lookups on every run.
func isFilesystemMount(_ type: MountType) -> Bool {
    switch type {
    case .proc, .sysfs, .tmpfs, .mqueue, .devpts, .dev, .overlay: true
    case .bind, .dir, .file, .symlink: false
    }
}

/// Filesystem mounts on the target of an earlier `file` or `symlink` entry, or under an earlier
/// `file`: the executor creates those first, then mounts on what the target then is: a file
/// (mount(2) fails with ENOTDIR, also for any path under it) or a symlink, which it follows
/// inside the root (the mount lands on the link's destination). Under a symlink is the
/// documented way to reach into a root (`/bin -> usr/bin`), and a bind may be of a file.
/// Pairs of indices into `table`: the mount, and the entry that made its target.
func mountsOnFiles(_ table: [Mount]) -> [(mount: Int, made: Int)] {
    // Most tables make no file or symlink at all: then there is nothing to find.
    guard table.contains(where: { $0.type == .file || $0.type == .symlink }) else { return [] }
    var made: [String: Int] = [:]
    var out: [(mount: Int, made: Int)] = []
    for i in table.indices {
        let type = table[i].type
        guard isFilesystemMount(type) || type == .file || type == .symlink, let t = table[i].effectiveTarget?.value,
              t != "/" else { continue }
        if isFilesystemMount(type) {
            // Malformed targets are mount-target's; checked only on a match, the rare case.
            func found(_ j: Int) -> Bool {
                guard PathCheck.problem(t) == nil, PathCheck.problem(table[j].effectiveTarget?.value ?? "") == nil else { return false }
                out.append((i, j))
                return true
            }
            if let j = made[t] {
                _ = found(j)
            } else {
                var path = Substring(t)
                while let slash = path.lastIndex(of: "/"), slash != path.startIndex {
                    path = path[..<slash]
                    if let j = made[String(path)], table[j].type == .file, found(j) { break }
                }
            }
        } else {
            made[t] = i
        }
    }
    return out
}
