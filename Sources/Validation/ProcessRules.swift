import Diagnostics
import SpecFormat

let processRules: [Rule] = [
    Rule("args-missing", "the process has args, in the spec or on the command line") { spec, options in
        guard !options.argsFromCommandLine else { return [] }
        guard let args = spec.process?.args else {
            return [.error(
                "args-missing", "the spec does not say what to run: process.args is missing",
                at: spec.keys["process"] ?? spec.location,
                hint: "add process.args, or give the command after '--' (nsspec run SPEC -- CMD…; "
                    + "nsspec validate --args-on-command-line)")]
        }
        if args.value.isEmpty {
            return [.error("args-missing", "process.args is empty", at: args.location)]
        }
        if let first = args.value.first, first.value.isEmpty {
            return [.error("args-missing", "the program name (args[0]) is empty", at: first.location)]
        }
        return []
    },
    Rule("cwd-path", "cwd is absolute and normalised") { spec, _ in
        guard let cwd = spec.process?.cwd, let problem = PathCheck.problem(cwd.value) else { return [] }
        return [.error("cwd-path", "cwd '\(cwd.value)' \(problem)", at: cwd.location, hint: PathCheck.hint(cwd.value))]
    },
    Rule("env-name", "environment names are portable, and env wins over passEnv") { spec, _ in
        guard let p = spec.process else { return [] }
        var out: [Diagnostic] = []
        for name in p.env.map(\.name) + p.passEnv.filter({ $0.value != "*" }) where !isEnvName(name.value) {
            out.append(.error(
                "env-name", "'\(name.value)' is not a valid environment variable name", at: name.location,
                hint: name.value.contains("*") ? "'*' on its own passes the caller's whole environment; patterns are not supported"
                    : "use letters, digits and '_', not starting with a digit"))
        }
        let everything = p.passEnv.first { $0.value == "*" }
        for pass in p.passEnv {
            if let everything, pass.value != "*", isEnvName(pass.value) {
                out.append(.warning(
                    "env-name", "'\(pass.value)' is already passed by '*'", at: pass.location,
                    notes: [.init("'*' is listed here", at: everything.location)]))
            } else if let set = p.env.first(where: { $0.name.value == pass.value }) {
                out.append(.warning(
                    "env-name", "'\(pass.value)' is both passed through and set in env; the value from env wins",
                    at: pass.location, notes: [.init("set here", at: set.name.location)]))
            }
        }
        return out
    },
    Rule("capability-unknown", "capabilities are known Linux capability names") { spec, _ in
        var out: [Diagnostic] = []
        var seen: [String: SourceLocation] = [:]
        let caps = spec.process?.capabilities ?? []
        let all = caps.first { $0.value == Capabilities.all }
        for cap in caps {
            if let all, cap.value != Capabilities.all, Capabilities.names.contains(cap.value) {
                out.append(.warning("capability-unknown", "'\(cap.value)' is already in ALL", at: cap.location,
                                    notes: [.init("ALL is listed here", at: all.location)]))
            } else if cap.value != Capabilities.all, !Capabilities.names.contains(cap.value) {
                if cap.value.uppercased() == Capabilities.all || cap.value.uppercased() == "CAP_ALL" {
                    out.append(.error("capability-unknown", "unknown capability '\(cap.value)'; did you mean 'ALL'?", at: cap.location,
                                      hint: "ALL (in capitals, alone) keeps every capability"))
                    continue
                }
                var guess = cap.value.uppercased()
                if !guess.hasPrefix("CAP_") { guess = "CAP_" + guess }
                let suggestion = Capabilities.names.contains(guess) ? guess : Suggestion.closest(to: guess, in: Capabilities.names)
                out.append(.error(
                    "capability-unknown", "unknown capability '\(cap.value)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                    at: cap.location, hint: "names are written like CAP_NET_BIND_SERVICE (see capabilities(7)); ALL keeps every one"))
            } else if let first = seen[cap.value] {
                out.append(.warning("capability-unknown", "'\(cap.value)' is listed twice", at: cap.location,
                                    notes: [.init("first listed here", at: first)]))
            } else {
                seen[cap.value] = cap.location
            }
        }
        return out
    },
    Rule("rlimit-order", "an rlimit's soft value is not above its hard value") { spec, _ in
        (spec.process?.rlimits ?? []).compactMap { r in
            guard case .limit(let soft) = r.soft.value else {
                return r.hard.value == .unlimited ? nil
                    : .error("rlimit-order", "rlimit '\(r.name.value)': soft 'unlimited' is above the hard limit", at: r.soft.location)
            }
            guard case .limit(let hard) = r.hard.value, soft > hard else { return nil }
            return .error("rlimit-order", "rlimit '\(r.name.value)': soft \(soft) is above hard \(hard)", at: r.soft.location)
        }
    },
    Rule("id-not-mapped", "the process's uid, gid and groups are mapped in a new user namespace") { spec, _ in
        guard spec.creates(.user), let p = spec.process else { return [] }
        var out: [Diagnostic] = []
        func check(_ id: Located<UInt32>?, _ map: Located<[IDMapEntry]>?, _ what: String, _ mapName: String) {
            // An inside `self` is the caller's id, known only at run time: not checked here.
            guard let id, !(map?.value.contains { $0.inside.value == .caller } ?? false) else { return }
            let entries: [(UInt32, UInt32)] = map?.value.compactMap { e in e.inside.value.id.map { ($0, e.count.value) } } ?? [(0, 1)]
            guard !entries.contains(where: { UInt64(id.value) >= UInt64($0.0) && UInt64(id.value) < UInt64($0.0) + UInt64($0.1) }) else { return }
            out.append(.error(
                "id-not-mapped", "\(what) \(id.value) is not mapped in the user namespace", at: id.location,
                notes: map.map { [.init("\(mapName) is here", at: $0.location)] } ?? [],
                hint: map == nil ? "without \(mapName) only id 0 (the caller) is mapped; add a \(mapName) that covers \(id.value)"
                    : "add a \(mapName) entry whose inside range covers \(id.value)"))
        }
        check(p.uid, spec.uidMap, "uid", "uidMap")
        check(p.gid, spec.gidMap, "gid", "gidMap")
        for g in p.groups { check(g, spec.gidMap, "group", "gidMap") }
        return out
    },
    Rule("groups-need-setgroups", "supplementary groups in a new user namespace need setgroups: allow") { spec, _ in
        guard spec.creates(.user), let first = spec.process?.groups.first, spec.setgroups?.value != .allow else { return [] }
        return [.error(
            "groups-need-setgroups", "supplementary groups cannot be set while setgroups is denied", at: first.location,
            notes: spec.setgroups.map { [.init("setgroups is set here", at: $0.location)] } ?? [],
            hint: "set setgroups: allow (with a gid map written by newgidmap or root), or remove 'groups'")]
    },
    Rule("init-without-pid", "init: true takes effect only with a new pid namespace") { spec, _ in
        guard let i = spec.process?.initProcess, i.value, !spec.creates(.pid) else { return [] }
        return [.warning(
            "init-without-pid", "init: true has no effect without a new 'pid' namespace", at: i.location,
            notes: spec.namespacesNote(), hint: "add 'pid' to namespaces, or remove 'init'")]
    },
]

func isEnvName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
    return s.unicodeScalars.allSatisfy { $0.isASCII && (isAlnum($0) || $0 == "_") }
}
