import Planning
import SpecFormat

extension Executor {
    /// For the child's user namespace, by the parent or by the child itself: setgroups first
    /// (the kernel allows it only before gid_map), then the maps, each written whole in one write(2).
    func idMap(_ step: Step) throws {
        switch step.action {
        case .writeSetgroups(let policy, let of):
            try sys.writeFile("/proc/\(try procName(of))/setgroups", policy.rawValue)
        case .writeMap(let kind, let lines, let helper, let of):
            let pid = try procName(of)
            let resolved = try resolve(kind, lines)
            // Validation counted one line per entry and 10 digits for each id it could not know;
            // the caller's subordinate ranges, split over several lines of /etc/sub*, can still
            // make more. The helpers write the same text, so the same limits apply to them.
            if let problem = IDMapText.problem(resolved) {
                throw RunFailure("the \(kind.rawValue) map, with /etc/sub\(kind.rawValue)'s ranges filled in, is \(problem)",
                                 hint: "the caller's subordinate ranges are split into many small ones in /etc/sub\(kind.rawValue); "
                                     + "give it fewer, larger ranges, or map fewer ids")
            }
            if helper {
                let path = host.helper(kind)
                let args = [String(pid)] + resolved.flatMap { [String($0.inside), String($0.outside), String($0.count)] }
                let status = try sys.runHelper(path, args)
                if status != .exited(0) {
                    throw RunFailure("\(path) \(args.joined(separator: " ")) failed (exit status \(status.code))",
                                     hint: "its message is above; the caller's ranges are in /etc/sub\(kind.rawValue)")
                }
            } else {
                try sys.writeFile("/proc/\(pid)/\(kind.rawValue)_map", IDMapText.render(resolved))
            }
        case .adoptMappedID(let kind, _, let to):
            // setresuid keeps the permitted capabilities (PR_SET_KEEPCAPS); from an unmapped id
            // to 0 the kernel also keeps the effective ones, and from an id that is not the
            // namespace's root the rule that clears them does not apply.
            if kind == .uid { try sys.setresuid(to) } else { try sys.setresgid(to) }
        default: break
        }
    }

    /// How /proc names the process that entered the user namespace: "self", or its pid.
    private func procName(_ actor: Actor) throws -> String {
        if actor == me { return "self" }
        guard let pid = pids[actor] else { throw RunFailure("the \(actor.rawValue)'s pid is unknown") }
        return String(pid)
    }

    /// `self` is the caller's id; `subordinate` lines take the caller's ranges in order.
    func resolve(_ kind: IDKind, _ lines: [MapLine]) throws -> [IDMapText.Line] {
        var ranges = host.subordinate(kind)
        var out: [IDMapText.Line] = []
        for line in lines {
            switch line.outside {
            case .id(let id): out.append(IDMapText.Line(inside: line.inside, outside: id, count: line.count))
            case .caller: out.append(IDMapText.Line(inside: line.inside, outside: kind == .uid ? caller.uid : caller.gid, count: line.count))
            case .subordinate:
                var inside = line.inside, needed = line.count
                while needed > 0 {
                    guard !ranges.isEmpty else { throw RunFailure("/etc/sub\(kind.rawValue) has too few ids for the map") }
                    let take = min(needed, ranges[0].count)
                    out.append(IDMapText.Line(inside: inside, outside: ranges[0].start, count: take))
                    inside += take
                    needed -= take
                    ranges[0] = SubordinateRange(start: ranges[0].start + take, count: ranges[0].count - take)
                    if ranges[0].count == 0 { ranges.removeFirst() }
                }
            }
        }
        return out
    }
}

extension Executor {
    /// The map lines as this host resolves them for the caller — `self` its own id,
    /// `subordinate` its ranges of /etc/subuid or /etc/subgid in order — for `nsspec export`,
    /// whose bundle is then bound to this host's ids.
    public func resolvedMap(_ kind: IDKind, _ lines: [MapLine]) throws -> [(inside: UInt32, outside: UInt32, count: UInt32)] {
        if lines.contains(where: { $0.outside == .subordinate }) {
            let count = lines.filter { $0.outside == .subordinate }.reduce(UInt64(0)) { $0 + UInt64($1.count) }
            try preflight(.checkSubordinateRange(kind, count: count))
        }
        return try resolve(kind, lines).map { ($0.inside, $0.outside, $0.count) }
    }
}
