import Diagnostics

extension Rlimit {
    /// setrlimit(2) resources by their spec name (RLIMIT_ without the prefix, lower case).
    public static let names = [
        "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
        "rss", "rtprio", "rttime", "sigpending", "stack",
    ]

    /// Limits counted in bytes, which also take sizes such as `8Mi`.
    public static let byteNames: Set<String> = ["as", "core", "data", "fsize", "memlock", "msgqueue", "rss", "stack"]
}

extension NodeDecoder {
    mutating func rlimits(_ node: YAMLNode?) -> [Rlimit] {
        guard let entries = entries(node, "rlimits") else { return [] }
        var out: [Rlimit] = []
        for e in entries {
            let name = e.key.text
            guard Rlimit.names.contains(name) else {
                diagnostics.append(.error(
                    "unknown-rlimit", "unknown rlimit '\(name)'" + Suggestion.didYouMean(name, in: Rlimit.names),
                    at: e.key.location, hint: "known: \(Rlimit.names.joined(separator: ", "))"))
                continue
            }
            let located = Located(name, at: e.key.location)
            if case .mapping = e.value {
                guard let o = object(e.value, name, allowed: ["soft", "hard"], what: "rlimit '\(name)'") else { continue }
                require(["soft", "hard"], in: o, what: "rlimit '\(name)'")
                if let soft = rlimitValue(o["soft"], name, key: "soft"), let hard = rlimitValue(o["hard"], name, key: "hard") {
                    out.append(Rlimit(name: located, soft: soft, hard: hard))
                }
            } else if let v = rlimitValue(e.value, name, key: name) {
                out.append(Rlimit(name: located, soft: v, hard: v))
            }
        }
        return out
    }

    private mutating func rlimitValue(_ node: YAMLNode?, _ name: String, key: String) -> Located<Rlimit.Value>? {
        guard let node else { return nil }
        if case .scalar(let s) = node, ScalarKind(s) == .string, s.text == "unlimited" {
            return Located(.unlimited, at: s.location)
        }
        if Rlimit.byteNames.contains(name) {
            guard let size = size(node, key) else { return nil }
            guard case .bytes(let b) = size.value else { return nil }
            return Located(.limit(b), at: size.location)
        }
        if case .scalar(let s) = node, ScalarKind(s) == .string {
            diagnostics.append(.error(
                "wrong-type", "'\(key)' must be an integer or 'unlimited', found \(node.found)", at: s.location,
                hint: "'\(name)' is not counted in bytes, so sizes do not apply"))
            return nil
        }
        return integer(node, key, range: 0...UInt64.max - 1, expected: "an integer or 'unlimited'")
            .map { Located(.limit($0.value), at: $0.location) }
    }
}
