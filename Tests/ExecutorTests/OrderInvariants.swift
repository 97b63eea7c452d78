import Planning
import SpecFormat

/// The rules of the order of a plan (DESIGN §3), as checks over its steps. Each returns what is
/// wrong, in words; a correct plan gets none. PlanTests runs them on every golden plan, and on
/// plans whose order was broken on purpose, to see them fail.
enum OrderInvariants {
    static func violations(_ steps: [Step]) -> [String] {
        var out: [String] = []
        func index(_ p: (Step) -> Bool) -> Int? { steps.firstIndex(where: p) }
        func lastIndex(_ p: (Step) -> Bool) -> Int? { steps.lastIndex(where: p) }
        func name(_ i: Int) -> String { "\(i + 1) (\(steps[i].actor.rawValue): \(steps[i].action.summary))" }

        // 1. The stages, in DESIGN §3's order; the plan starts with the host checks or the
        // channel, and ends with the parent supervising.
        for i in steps.indices.dropFirst() where steps[i].stage < steps[i - 1].stage {
            out.append("stage \(steps[i].stage.rawValue) of step \(name(i)) after \(steps[i - 1].stage.rawValue)")
        }
        if let first = steps.first, first.stage != .preflight && first.action != .openChannel {
            out.append("the plan starts with \(first.action.summary)")
        }
        if let last = steps.last, case .supervise = last.action, last.actor == .parent {} else {
            out.append("the plan does not end with the parent supervising")
        }

        // 2. A process acts only once it is made; the channel exists before the first process.
        var made: [Actor: Int] = [.parent: -1]
        for (i, step) in steps.enumerated() {
            switch step.action {
            case .fork(let actor), .clone(let actor, _):
                if made[actor] != nil { out.append("step \(name(i)) makes the \(actor.rawValue) again") }
                made[actor] = i
            default: break
            }
            if made[step.actor] == nil { out.append("step \(name(i)) is the \(step.actor.rawValue)'s before it is made") }
            if let to = step.action.receiver {
                if made[to] == nil { out.append("step \(name(i)) hands off to the \(to.rawValue) before it is made") }
                if to == step.actor { out.append("step \(name(i)) hands off to itself") }
            }
        }
        let channel = index { $0.action == .openChannel }
        let firstProcess = index { if case .fork = $0.action { true } else if case .clone = $0.action { true } else { false } }
        if let p = firstProcess, channel.map({ $0 > p }) ?? true { out.append("no channel before the first process") }

        // 3. The user namespace comes first: it owns the others.
        for (i, step) in steps.enumerated() {
            if case .clone(_, let kinds) = step.action, kinds.contains(.user), kinds.first != .user {
                out.append("step \(name(i)) does not list the user namespace first")
            }
        }
        if let user = index({ $0.action == .unshare(.user) || { if case .join(.user, _) = $0.action { true } else { false } }($0) }) {
            if let other = index({
                switch $0.action {
                case .unshare(let kind), .join(let kind, _): kind != .user
                default: false
                }
            }), other < user {
                out.append("step \(name(other)) makes a namespace before the user namespace (step \(user + 1))")
            }
        }

        // 4. Maps: after the user namespace they belong to exists, setgroups before gid_map, and
        // before any step that needs them (files, ids, the process).
        for (i, step) in steps.enumerated() {
            let owner: Actor
            switch step.action {
            case .writeMap(_, _, _, let of), .writeSetgroups(_, let of): owner = of
            default: continue
            }
            let created = index {
                switch $0.action {
                case .unshare(.user): $0.actor == owner
                case .clone(let actor, let kinds): actor == owner && kinds.contains(.user)
                default: false
                }
            }
            guard let created, created < i else {
                out.append("step \(name(i)) writes a map of a user namespace not made yet")
                continue
            }
            // Made by unshare, the parent learns of it only from the process that made it.
            if step.actor != owner, steps[created].action == .unshare(.user),
               index({ $0.action == .handoff(.userNamespaceReady, to: step.actor) }).map({ $0 > i || $0 < created }) ?? true {
                out.append("step \(name(i)) writes the \(owner.rawValue)'s map before it says its user namespace exists")
            }
        }
        if let setgroups = index({ if case .writeSetgroups = $0.action { true } else { false } }),
           let gidMap = index({ if case .writeMap(.gid, _, _, _) = $0.action { true } else { false } }), setgroups > gidMap {
            out.append("setgroups is written after gid_map (the kernel refuses it then)")
        }
        if let lastMap = lastIndex({ if case .writeMap = $0.action { true } else { false } }),
           let needs = index({ [.uts, .mounts, .network, .process].contains($0.stage) }), needs < lastMap {
            out.append("step \(name(needs)) comes before the maps are written (step \(lastMap + 1))")
        }
        if let lastMap = lastIndex({ if case .writeMap(_, _, _, let of) = $0.action { of == .`init` } else { false } }),
           let dumpable = index({ $0.action == .notDumpable }), dumpable < lastMap {
            out.append("PID 1 is made non-dumpable before its maps are written (its /proc files become root's)")
        }

        // 4a. A mapped id for a caller the maps leave out: taken by the owner of the user
        // namespace once its maps are written (and it has been told so), before it makes
        // anything — a namespace, a process, a mount, a file — which it could not as an unmapped id.
        for (i, step) in steps.enumerated() {
            guard case .adoptMappedID(let kind, _, _) = step.action else { continue }
            let map = lastIndex { if case .writeMap(kind, _, _, _) = $0.action { true } else { false } }
            guard let map, map < i else {
                out.append("step \(name(i)) takes a mapped \(kind.rawValue) before the \(kind.rawValue) map is written")
                continue
            }
            if case .writeMap(_, _, _, let owner) = steps[map].action {
                if owner != step.actor { out.append("step \(name(i)) is not made by the \(owner.rawValue), whose maps leave the caller out") }
                if steps[map].actor != owner,
                   index({ $0.action == .handoff(.mapsWritten, to: owner) }).map({ $0 > i }) ?? true {
                    out.append("step \(name(i)) takes a mapped \(kind.rawValue) before the \(owner.rawValue) is told the maps are written")
                }
            }
            if let made = index({ ($0.stage > .idmaps && $0.actor != .parent) || $0.action == .fork(.`init`) }), made < i {
                out.append("step \(name(made)) comes before the sandbox takes a mapped \(kind.rawValue) (step \(i + 1))")
            }
        }

        // 5. Namespaces entered only by children: made before the fork of PID 1, or entered.
        if let fork = index({ $0.action == .fork(.`init`) }) {
            for kind in [NamespaceKind.pid, .time] {
                if let unshare = index({ $0.action == .unshare(kind) }), unshare > fork {
                    out.append("unshare(\(kind.rawValue)) after the fork of PID 1, which it was for")
                }
            }
        } else if let time = index({ $0.action == .unshare(.time) }),
                  index({ if case .join(.time, _) = $0.action { true } else { false } }).map({ $0 < time }) ?? true {
            out.append("a new time namespace is neither entered by a fork nor joined")
        }

        // 6. Mounts: proc before pivot_root (after it, rootless, the kernel refuses).
        if let pivot = index({ $0.action == .pivotRoot }), let proc = lastIndex({ if case .proc = $0.action { true } else { false } }),
           proc > pivot {
            out.append("proc is mounted after pivot_root")
        }

        // 7. The process: groups, gid, uid, then capabilities (the uid change clears them),
        // no_new_privs; the parent-death signal again after the uid change; exec last.
        let sequence: [(String, (Action) -> Bool)] = [
            ("setgroups", { if case .setGroups = $0 { true } else { false } }),
            ("setresgid", { if case .setGid = $0 { true } else { false } }),
            ("setresuid", { if case .setUid = $0 { true } else { false } }),
            ("capabilities", { if case .capabilities = $0 { true } else { false } }),
            ("no_new_privs", { $0 == .noNewPrivileges }),
        ]
        let positions = sequence.compactMap { label, p in index({ p($0.action) }).map { (label, $0) } }
        for (a, b) in zip(positions, positions.dropFirst()) where a.1 > b.1 {
            out.append("\(b.0) comes before \(a.0)")
        }
        if let uid = index({ if case .setUid = $0.action { true } else { false } }),
           !steps[uid...].contains(where: { $0.action == .dieWithParent }), steps.contains(where: { $0.action == .dieWithParent }) {
            out.append("no parent-death signal after the uid change, which clears it")
        }
        if let exec = index({ command($0.action) != nil }) {
            let sandbox = steps[exec].actor
            for i in steps.indices where i > exec {
                let step = steps[i]
                let allowed = (step.actor == sandbox && step.action == .reapAndForward) || step.action == .childExits
                    || { if case .supervise = step.action { true } else { false } }()
                if !allowed { out.append("step \(name(i)) comes after the process is started") }
            }
        } else {
            out.append("no step starts the process")
        }

        // 8. Network: the peer is made once the sandbox is in its net namespace and the parent
        // knows its pid; the sandbox configures it only once told the host side is ready.
        for (i, step) in steps.enumerated() {
            guard case .createVeth(_, let peerIn) = step.action else { continue }
            let inNamespace = index {
                switch $0.action {
                case .clone(let actor, let kinds): actor == peerIn && kinds.contains(.net)
                case .handoff(.initPid, .parent), .handoff(.netNamespaceReady, .parent): true
                default: false
                }
            }
            let unshareNet = index { $0.action == .unshare(.net) }
            if inNamespace.map({ $0 > i }) ?? true || unshareNet.map({ u in inNamespace.map { $0 < u } ?? true }) ?? false {
                out.append("step \(name(i)) makes a veth before the parent knows the sandbox is in its net namespace")
            }
        }
        if let lastHost = lastIndex({ $0.stage == .hostNetwork && $0.actor == .parent }) {
            let ready = index { if case .handoff(.hostSideReady, _) = $0.action { true } else { false } }
            let peer = index { $0.stage == .network && $0.actor != .parent && $0.action != .loopbackUp }
            if ready.map({ $0 < lastHost }) ?? true { out.append("'host side ready' is not sent after the host side is made") }
            if let peer, ready.map({ $0 > peer }) ?? true { out.append("the sandbox configures its peer before 'host side ready'") }
        }
        return out
    }

    /// The process's args, for the step that starts it (exec, or posix_spawn by a tiny init).
    static func command(_ action: Action) -> [String]? {
        switch action {
        case .exec(let args, _, _), .spawn(let args, _, _): args
        default: nil
        }
    }
}
