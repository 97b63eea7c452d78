import Diagnostics
import SpecFormat

/// The host stays as it was. With `root: host` the mount table is applied over the host's own
/// tree, so nsspec creates nothing there: `dir`, `file` and `symlink` entries go only inside a
/// tmpfs (or `dev`) that the spec mounts, and a mount's target must already exist on the host
/// (preflight checks that, with the host at hand). And a process that runs as the host's uid 0
/// over a writable host tree owns every file root owns there: dropped capabilities do not stop
/// an owner.
let hostRules: [Rule] = [
    Rule("host-root-creates", "with root: host or a directory root without overlay, dir, file and symlink entries lie inside a tmpfs the spec mounts") { spec, _ in
        let directory = HostTree.plainDirectoryRoot(spec)
        guard HostTree.isHostRoot(spec) || directory != nil, spec.creates(.mount) else { return [] }
        let table = mounts(spec)
        let under = HostTree.enclosing(table)
        return table.indices.compactMap { i in
            let m = table[i]
            guard HostTree.creates(m.type), let target = m.effectiveTarget else { return nil }
            if let scratch = under[i], HostTree.isScratch(scratch.type) { return nil }
            if let directory {
                let what = under[i].map { "on the \($0.type.rawValue) mount at \($0.effectiveTarget?.value ?? "")" }
                    ?? "in the root directory '\(directory.value)' (the host's copy)"
                return .error(
                    "host-root-creates",
                    "with a directory root, this \(m.type.rawValue) entry would create \(target.value) \(what)", at: target.location,
                    notes: [.init("the root directory is here", at: directory.location)],
                    hint: "nsspec writes nothing into a root directory: add overlay: tmpfs to the root (the entry then goes into "
                        + "its upper layer), or mount a tmpfs above it first (e.g. {type: tmpfs, target: \(HostTree.parent(of: target.value))})")
            }
            let what = under[i].map { "on the \($0.type.rawValue) mount at \($0.effectiveTarget?.value ?? "")" }
                ?? "in the host's own tree"
            return .error(
                "host-root-creates",
                "with root: host, this \(m.type.rawValue) entry would create \(target.value) \(what)", at: target.location,
                notes: spec.root.map { [.init("root is the host's tree here", at: $0.location)] } ?? [],
                hint: "nsspec changes nothing on the host: mount a tmpfs above it first (e.g. {type: tmpfs, target: \(HostTree.parent(of: target.value))}), or use root: tmpfs or a directory root with overlay: tmpfs")
        }
    },
    Rule("host-uid0-writable-root", "the process does not run as the host's uid 0 over a writable host root") { spec, options in
        guard let root = HostTree.writableHostRoot(spec), let uid0 = HostTree.hostUID0(spec, runAsRoot: options.runAsRoot) else { return [] }
        var notes: [Diagnostic.Note] = []
        if let at = root.location { notes.append(.init(root.what, at: at)) }
        return [.warning(
            "host-uid0-writable-root",
            "\(uid0.when)the process runs as the host's uid 0 over \(root.what): it may change any file root owns there "
                + "(dropping capabilities does not stop a file's owner)",
            at: uid0.location, notes: notes,
            hint: "map uid 0 to a subordinate range (uidMap: [{inside: 0, outside: subordinate, count: 65536}]), "
                + "set readonlyRoot: true, or use root: tmpfs with the host paths it needs bound in")]
    },
]

/// How `root: host` and the host's ids are read from a spec, for the rules above and the planner.
public enum HostTree {
    /// The mount table goes over the host's own tree: `root: host`, or no root at all.
    public static func isHostRoot(_ spec: Spec) -> Bool {
        switch spec.root?.value {
        case .host?, nil: true
        case .tmpfs?, .directory?: false
        }
    }

    /// A directory root without overlay: its path (nsspec creates nothing in it).
    public static func plainDirectoryRoot(_ spec: Spec) -> Located<String>? {
        if case .directory(let path, _, nil)? = spec.root?.value { return path }
        return nil
    }

    /// Entries that create something at their target rather than mount over it.
    public static func creates(_ type: MountType) -> Bool { type == .dir || type == .file || type == .symlink }

    /// Mounts inside which nsspec may create: a tmpfs of the spec's own (`dev` is one too).
    public static func isScratch(_ type: MountType) -> Bool { type == .tmpfs || type == .dev }

    /// For each mount of the table, the last earlier mount (not a `dir`/`file`/`symlink` entry)
    /// whose target is its target or the nearest ancestor of it: what it lands on. nil: the
    /// host's own tree. Linear in the table (times the depth of its paths): each mount's target
    /// is registered, and each looks up its own path and then each ancestor's.
    public static func enclosing(_ table: [Mount]) -> [Mount?] {
        var at: [String: Mount] = [:]
        var out: [Mount?] = []
        out.reserveCapacity(table.count)
        for m in table {
            guard let target = m.effectiveTarget?.value else { out.append(nil); continue }
            var found: Mount?
            var path = Substring(target)
            while true {
                if let hit = at[String(path)] { found = hit; break }
                guard let slash = path.lastIndex(of: "/") else { break }
                if slash == path.startIndex {
                    if path != "/", let root = at["/"] { found = root }
                    break
                }
                path = path[..<slash]
            }
            out.append(found)
            if !creates(m.type) { at[target] = m }
        }
        return out
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return path }
        return String(path[..<slash])
    }

    /// The host tree the process may write, if any: `root: host` (or none) without
    /// `readonlyRoot: true`, or a directory root that is not read-only.
    static func writableHostRoot(_ spec: Spec) -> (what: String, location: SourceLocation?)? {
        if spec.readonlyRoot?.value == true { return nil }
        switch spec.root?.value {
        case .host?: return ("the host's own tree (root: host)", spec.root?.location)
        case nil: return ("the host's own tree (no root is set)", nil)
        case .directory(let path, let readonly, let overlay)?:
            if overlay != nil { return nil }  // the writes go to the overlay's upper layer
            if readonly?.value == true || path.value.isEmpty { return nil }
            return ("the host directory \(path.value) (root, not read-only)", path.location)
        case .tmpfs?: return nil
        }
    }

    /// Whether the process's uid is the host's uid 0: always without a new user namespace (where
    /// only root can make the other namespaces), or mapped to 0 outright; through `self` or the
    /// default map when the spec runs as root (known to `run` and `plan`, not to `validate`).
    /// nil: not (a subordinate id, a joined user namespace, an id other than 0).
    static func hostUID0(_ spec: Spec, runAsRoot: Bool) -> (when: String, location: SourceLocation)? {
        let uid = spec.process?.uid
        let at = uid?.location ?? spec.namespacesKey ?? spec.process?.location ?? SourceLocation(file: spec.file, line: 1, column: 1)
        let id = uid?.value ?? 0
        guard spec.creates(.user) else {
            // The ids are the host's. Only root makes namespaces without a user namespace; with
            // none at all the process keeps the caller's uid unless `uid` is given.
            guard spec.namespace(.user) == nil, id == 0 else { return nil }
            if uid != nil || !spec.namespaces.isEmpty { return ("without a new user namespace, ", at) }
            return runAsRoot ? ("run as root without a user namespace, ", at) : nil
        }
        guard let map = spec.uidMap?.value else {
            return id == 0 && runAsRoot ? ("run as root with the default uid map (the caller's uid -> 0), ", at) : nil
        }
        guard uid != nil else {
            // Without `uid` nsspec changes no id: the process is the caller's uid as the map shows
            // it, the host's 0 when the caller is root — known from an entry of outside id 0 (only
            // root may write one) or, when the spec runs as root, from `self`.
            guard let entry = map.first(where: { e in e.outside.value == .id(0) || (runAsRoot && e.outside.value == .caller) })
            else { return nil }
            let shown = entry.inside.value.id.map(String.init) ?? "self"
            return ("with no uid set (the process keeps the caller's uid, root's, which the map shows as \(shown) inside), ", entry.location)
        }
        // An inside `self` is the caller's uid: 0 when the spec runs as root, else unknown.
        func inside(_ e: IDMapEntry) -> UInt32? { e.inside.value.id ?? (runAsRoot ? 0 : nil) }
        guard let entry = map.first(where: { e in
            inside(e).map { UInt64(id) >= UInt64($0) && UInt64(id) < UInt64($0) + UInt64(e.count.value) } ?? false
        }), let start = inside(entry) else { return nil }
        switch entry.outside.value {
        case .id(let outside):
            return UInt64(outside) + UInt64(id) - UInt64(start) == 0 ? ("with uid \(id) mapped to the host's 0, ", entry.location) : nil
        case .caller: return runAsRoot ? ("run as root with `self` (the caller's uid), ", entry.location) : nil
        case .subordinate: return nil
        }
    }
}
