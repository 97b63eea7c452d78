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
    Rule("mount-shadowed", "a later mount does not hide an earlier one") { spec, _ in
        let all = mounts(spec).compactMap { m in m.effectiveTarget.map { (m, $0) } }
        var out: [Diagnostic] = []
        // Each earlier target under every one of its ancestors (and itself), the first one kept:
        // a later target found there hides it. Linear in the mounts (times their depth); a
        // comparison of every pair took 1.8 s for 4,096 mounts.
        var under: [String: (Mount, Located<String>)] = [:]
        for (later, lt) in all {
            if PathCheck.problem(lt.value) == nil, lt.value != "/", let (earlier, et) = under[lt.value] {
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
    Rule("mount-fields", "bind sources, symlink links and root paths are not empty") { spec, _ in
        var out: [Diagnostic] = []
        for m in mounts(spec) {
            if let s = m.source, s.value.isEmpty {
                out.append(.error("mount-fields", "a bind mount's 'source' cannot be empty", at: s.location,
                                  hint: "use '.' for the directory of the spec file"))
            }
            if let l = m.link, l.value.isEmpty {
                out.append(.error("mount-fields", "a symlink's 'link' cannot be empty", at: l.location))
            }
            if let size = m.size, size.value == .bytes(0) {
                out.append(.error("mount-fields", "a tmpfs of size 0 has no limit at all in the kernel's reading", at: size.location,
                                  hint: "leave 'size' out for the kernel's default (half of RAM), or give a real limit"))
            }
        }
        if let root = spec.root, case .directory(let path, _) = root.value, path.value.isEmpty {
            out.append(.error("mount-fields", "root 'path' cannot be empty", at: path.location))
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
