import Diagnostics
import SpecFormat

/// The kernel's limit on lines in uid_map and gid_map (Linux ≥ 4.15).
let maxIDMapLines = IDMapText.maxLines

let idMapRules: [Rule] = [
    Rule("idmap-too-many", "at most 340 lines per map") { spec, _ in
        [(spec.uidMap, "uidMap"), (spec.gidMap, "gidMap")].compactMap { map, name in
            guard let map, map.value.count > maxIDMapLines else { return nil }
            return .error(
                "idmap-too-many", "\(name) has \(map.value.count) entries; the kernel accepts at most \(maxIDMapLines)",
                at: spec.keys[name] ?? map.location)
        }
    },
    Rule("idmap-too-long", "a map's text is under 4096 bytes, as the kernel takes it in one write") { spec, _ in
        [(spec.uidMap, "uidMap", "uid_map"), (spec.gidMap, "gidMap", "gid_map")].compactMap { map, name, file in
            guard let map else { return nil }
            // The text the executor writes (and newuidmap/newgidmap write: the same format),
            // with the widest id for each outside id that only the run will know.
            var unknown = 0
            let lines = map.value.map { e -> IDMapText.Line in
                let outside: UInt32
                if case .id(let id) = e.outside.value {
                    outside = id
                } else {
                    outside = IDMapText.widestID
                    unknown += 1
                }
                if e.inside.value == .caller { unknown += 1 }
                return IDMapText.Line(inside: e.inside.value.id ?? IDMapText.widestID, outside: outside, count: e.count.value)
            }
            let bytes = IDMapText.render(lines).utf8.count
            guard bytes > IDMapText.maxBytes else { return nil }
            let counted = unknown == 0 ? "is \(bytes) bytes as written to \(file) (\(lines.count) lines)"
                : "can be \(bytes) bytes as written to \(file) (\(lines.count) lines), counting 10 digits for each of the "
                    + "\(unknown) id\(unknown == 1 ? "" : "s") given as 'self' or 'subordinate', which "
                    + "\(unknown == 1 ? "is" : "are") known only at run time"
            return .error(
                "idmap-too-long", "\(name) \(counted); the kernel takes fewer than \(IDMapText.maxBytes + 1) bytes in one write",
                at: spec.keys[name] ?? map.location,
                hint: "use fewer entries: adjacent ranges can be one entry with a larger count")
        }
    },
    Rule("idmap-wrap", "no range goes past 4294967294, the largest id") { spec, _ in
        eachMap(spec).flatMap { entries, name in
            entries.flatMap { e -> [Diagnostic] in
                var out: [Diagnostic] = []
                if let i = e.inside.value.id, UInt64(i) + UInt64(e.count.value) > UInt64(UInt32.max) {
                    out.append(.error(
                        "idmap-wrap", "\(name) inside range \(i) + \(e.count.value) ids goes past 4294967294, the largest id",
                        at: e.count.location))
                }
                if case .id(let o) = e.outside.value, UInt64(o) + UInt64(e.count.value) > UInt64(UInt32.max) {
                    out.append(.error(
                        "idmap-wrap", "\(name) outside range \(o) + \(e.count.value) ids goes past 4294967294, the largest id",
                        at: e.count.location))
                }
                return out
            }
        }
    },
    Rule("idmap-self", "'self' maps exactly one id, once per map") { spec, _ in
        eachMap(spec).flatMap { entries, name in
            var out: [Diagnostic] = []
            var first: [IDMapEntry.Outside: SourceLocation] = [:]
            var insideSelf: SourceLocation?
            for e in entries {
                if e.inside.value == .caller {
                    if e.count.value != 1 && e.outside.value != .caller {  // else said once, below
                        out.append(.error(
                            "idmap-self", "inside 'self' is one id (the caller's), so its count must be 1, found \(e.count.value)",
                            at: e.count.location, hint: "map further ids in entries of their own"))
                    }
                    if let at = insideSelf {
                        out.append(.error("idmap-self", "inside 'self' is used twice in \(name)", at: e.inside.location,
                                          notes: [.init("first used here", at: at)]))
                    }
                    insideSelf = insideSelf ?? e.inside.location
                }
                if e.outside.value == .caller && e.count.value != 1 {
                    out.append(.error(
                        "idmap-self", "'self' is one id (the caller's), so its count must be 1, found \(e.count.value)",
                        at: e.count.location, hint: "map further ids with 'subordinate'"))
                }
                guard e.outside.value == .caller || e.outside.value == .subordinate else { continue }
                if let at = first[e.outside.value] {
                    let word = e.outside.value == .caller ? "self" : "subordinate"
                    out.append(.error(
                        "idmap-self", "'\(word)' is used twice in \(name)", at: e.outside.location,
                        notes: [.init("first used here", at: at)],
                        hint: e.outside.value == .subordinate ? "one 'subordinate' entry takes as many ids from the caller's ranges as its count" : nil))
                } else {
                    first[e.outside.value] = e.outside.location
                }
            }
            return out
        }
    },
    Rule("idmap-overlap", "inside ranges, and outside ranges given as ids, do not overlap") { spec, _ in
        eachMap(spec).flatMap { entries, name in
            var out: [Diagnostic] = []
            for (j, b) in entries.enumerated() {
                // An inside `self` is known only at run time (the kernel refuses an overlap then).
                for a in entries[..<j] {
                    guard let ai = a.inside.value.id, let bi = b.inside.value.id else { continue }
                    if overlaps(ai, a.count.value, bi, b.count.value) {
                        out.append(.error(
                            "idmap-overlap",
                            "\(name) inside range \(range(bi, b.count.value)) overlaps the range \(range(ai, a.count.value)) of an earlier entry",
                            at: b.inside.location, notes: [.init("the other range is here", at: a.inside.location)]))
                        break
                    }
                }
                guard case .id(let bo) = b.outside.value else { continue }
                for a in entries[..<j] {
                    guard case .id(let ao) = a.outside.value else { continue }
                    if overlaps(ao, a.count.value, bo, b.count.value) {
                        out.append(.error(
                            "idmap-overlap",
                            "\(name) outside range \(range(bo, b.count.value)) overlaps the range \(range(ao, a.count.value)) of an earlier entry",
                            at: b.outside.location, notes: [.init("the other range is here", at: a.outside.location)]))
                        break
                    }
                }
            }
            return out
        }
    },
    Rule("setgroups-allow-unprivileged", "setgroups: allow needs a gid map written with privilege") { spec, _ in
        guard let sg = spec.setgroups, sg.value == .allow, spec.creates(.user) else { return [] }
        let gid = spec.gidMap?.value ?? []
        // Without CAP_SETGID in the parent namespace the kernel takes a direct gid_map write only
        // after setgroups is denied; a map of nothing but `self` is exactly that direct write.
        guard gid.allSatisfy({ $0.outside.value == .caller }) else { return [] }
        return [.error(
            "setgroups-allow-unprivileged",
            "setgroups: allow cannot be combined with a gid map of only the caller's own gid",
            at: sg.location,
            notes: spec.gidMap.map { [.init("the gid map is here", at: $0.location)] } ?? [],
            hint: "an unprivileged caller writes that map itself, which the kernel permits only after setgroups is denied; "
                + "map gids through 'subordinate' (newgidmap) or set setgroups: deny")]
    },
]

func eachMap(_ spec: Spec) -> [([IDMapEntry], String)] {
    [(spec.uidMap?.value ?? [], "uidMap"), (spec.gidMap?.value ?? [], "gidMap")]
}

func overlaps(_ a: UInt32, _ n: UInt32, _ b: UInt32, _ m: UInt32) -> Bool {
    UInt64(a) < UInt64(b) + UInt64(m) && UInt64(b) < UInt64(a) + UInt64(n)
}

func range(_ start: UInt32, _ count: UInt32) -> String {
    count == 1 ? "\(start)" : "\(start)-\(UInt64(start) + UInt64(count) - 1)"
}
