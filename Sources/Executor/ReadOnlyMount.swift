import Diagnostics
import Planning
import System

/// EROFS in the mount stage: nsspec makes what an entry needs inside the sandbox when it is
/// missing (a mount point, the directories on the way, a `dir`, `file` or `symlink` entry), and
/// the place it would be made is on a read-only mount the spec made earlier (a read-only bind or
/// tmpfs, a read-only directory root) or on one the host made read-only. The errno alone names
/// neither; this names the entry, the mount that is read-only (with its spec line) and the fixes.
extension Executor {
    /// The failure for `error` (EROFS) during the table entry `plan.steps[index]`, or nil when it
    /// is not a table entry.
    func readOnlyFailure(_ error: SystemError, at index: Int) -> RunFailure? {
        let step = plan.steps[index]
        let what: String
        let target: String
        switch step.action {
        case .directory(let t, _): (what, target) = ("the directory \(t)", t)
        case .file(let t, _, _): (what, target) = ("the file \(t)", t)
        case .symlink(let t, _): (what, target) = ("the symlink \(t)", t)
        default:
            guard let t = Self.mountTarget(of: step.action) else { return nil }
            (what, target) = ("its mount point \(t) is missing and", t)
        }
        let isMount = !what.hasPrefix("the ")
        let path = Self.followingLinks(target, in: plan.steps[..<index])
        guard let cover = Self.coveringMount(of: path, strictly: isMount, in: plan.steps[..<index]) else { return nil }
        let relative = cover.target == "/" ? String(path.dropFirst()) : String(path.dropFirst(cover.target.count + 1))
        let shown = path == target ? "" : " (\(target) leads there through a symlink of the spec)"
        var failure: RunFailure
        let because = "nsspec makes what an entry needs inside the sandbox when it is missing (mount points, and the directories on their way), "
            + "and cannot make it on a read-only mount"
        switch cover.action {
        case .bind(let source, _, _, _, let flags, _):
            let ro = flags.readonly ? "the read-only bind of \(source)" : "a bind of \(source), which is read-only on the host"
            failure = RunFailure("\(step.action.summary): \(what) cannot be made\(shown): \(cover.target) is \(ro)", errno: error.errno,
                                 hint: "\(because). Create it in the bind's source (mkdir -p \(source)/\(relative)), "
                                     + "or mount a tmpfs at \(cover.target) and bind into it what the sandbox needs there")
        case .tmpfs(_, _, _, let flags) where flags.readonly:
            failure = RunFailure("\(step.action.summary): \(what) cannot be made\(shown): \(cover.target) is a read-only tmpfs", errno: error.errno,
                                 hint: "\(because); a read-only tmpfs is empty and stays so. Drop `readonly: true` from it, or mount nothing under it")
        case .bindRoot(let source, let readonly):
            let ro = readonly ? "the root, \(source), is mounted read-only (`readonly: true`)" : "the root, \(source), is read-only on the host"
            failure = RunFailure("\(step.action.summary): \(what) cannot be made\(shown): \(ro)", errno: error.errno,
                                 hint: "\(because). Create it in the root directory (mkdir -p \(source)/\(relative))"
                                     + (readonly ? ", or drop the root's `readonly: true` and set `readonlyRoot: true`, "
                                         + "which makes / read-only after the mount table is built" : ""))
        case .readonlyHostTree:
            failure = RunFailure("\(step.action.summary): \(what) cannot be made\(shown): `readonlyRoot` made the host's tree read-only",
                                 errno: error.errno, hint: "\(because). Mount a tmpfs above it in the spec")
        default:
            failure = RunFailure("\(step.action.summary): \(what) cannot be made\(shown): \(cover.target) is read-only", errno: error.errno,
                                 hint: "\(because). Create it in what is mounted at \(cover.target), or mount a tmpfs above it")
        }
        let readonly: Bool
        switch cover.action {
        case .bind(_, _, _, _, let flags, _), .tmpfs(_, _, _, let flags): readonly = flags.readonly
        case .bindRoot(_, let ro): readonly = ro
        default: readonly = true
        }
        let mounted = cover.target == "/" ? "the root" : cover.target
        failure.notes = [(cover.location, "\(mounted) is mounted \(readonly ? "read-only " : "")here")]
        return failure
    }

    /// The mount that holds `path` when the step at the end of `steps` runs: the last earlier
    /// mount whose target is `path` or one of its parents (`strictly`: a parent only: a mount
    /// point is made in the mount above it). A later mount on a parent hides any earlier one
    /// below it, so the last one found is the one on top.
    static func coveringMount(of path: String, strictly: Bool, in steps: ArraySlice<Step>) -> (target: String, action: Action, location: SourceLocation)? {
        var found: (target: String, action: Action, location: SourceLocation)?
        for step in steps {
            let target: String
            switch step.action {
            case .bindRoot, .mountRootTmpfs, .overlayRoot, .readonlyHostTree: target = "/"
            default:
                guard let t = mountTarget(of: step.action) else { continue }
                target = t
            }
            let under = target == "/" ? path != "/" || !strictly
                : path.hasPrefix(target + "/") || (!strictly && path == target)
            if under { found = (target, step.action, step.location) }
        }
        return found
    }

    /// Where a mount-table step mounts a filesystem (nil for the other steps): one list for what
    /// needs a mount point and for what covers a path.
    static func mountTarget(of action: Action) -> String? {
        switch action {
        case .bind(_, let t, _, _, _, _), .tmpfs(let t, _, _, _), .proc(let t), .sysfs(let t, _), .dev(let t), .devpts(let t),
             .mqueue(let t), .overlay(let t, _, _, _):
            t
        default: nil
        }
    }

    /// `path` with the spec's own symlinks on its way followed (`/lib64/x` with `/lib64 -> usr/lib64`
    /// is `/usr/lib64/x`), as the kernel resolves it inside the root.
    static func followingLinks(_ path: String, in steps: ArraySlice<Step>) -> String {
        var links: [String: String] = [:]
        for step in steps {
            if case .symlink(let target, let link) = step.action { links[target] = link }
        }
        guard !links.isEmpty else { return path }
        var current = path
        for _ in 0..<40 {
            var parts = components(current)
            guard let i = parts.indices.dropLast().first(where: { links[rooted(parts[...$0])] != nil }) else { return current }
            let link = links[rooted(parts[...i])]!
            let base = link.hasPrefix("/") ? [] : Array(parts[..<i])
            parts = base + components(link) + Array(parts[(i + 1)...])
            var normal: [String] = []
            for part in parts {
                if part == ".." { _ = normal.popLast() } else { normal.append(part) }
            }
            current = rooted(normal)
        }
        return current
    }
}
