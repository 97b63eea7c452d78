import Diagnostics
import SpecFormat

let namespaceRules: [Rule] = [
    Rule("namespace-duplicate", "each namespace type is listed once") { spec, _ in
        var seen: [NamespaceKind: SourceLocation] = [:]
        var out: [Diagnostic] = []
        for ns in spec.namespaces {
            if let first = seen[ns.kind] {
                out.append(.error(
                    "namespace-duplicate", "namespace '\(ns.kind.rawValue)' is listed twice", at: ns.location,
                    notes: [.init("first listed here", at: first)]))
            } else {
                seen[ns.kind] = ns.location
            }
        }
        return out
    },
    Rule("namespace-path", "a joined namespace's path is absolute and normalised") { spec, _ in
        spec.namespaces.compactMap { ns in
            guard let path = ns.path, let problem = PathCheck.problem(path.value) else { return nil }
            return .error("namespace-path", "namespace path '\(path.value)' \(problem)", at: path.location,
                          hint: path.value.hasPrefix("/") ? PathCheck.hint(path.value)
                              : "namespace paths are host paths like /run/netns/NAME or /proc/PID/ns/TYPE")
        }
    },
    Rule("join-under-new-user", "a namespace is not joined by path under a new user namespace") { spec, _ in
        // nsspec makes the new user namespace first, and setns(2) needs CAP_SYS_ADMIN over the
        // user namespace that owns the joined one: a new user namespace owns nothing yet, so
        // the join fails with EPERM every time, root or not.
        guard let user = spec.namespace(.user), user.path == nil else { return [] }
        return spec.namespaces.compactMap { ns in
            guard ns.kind != .user, let path = ns.path else { return nil }
            return .error(
                "join-under-new-user",
                "the \(ns.kind.rawValue) namespace at \(path.value) cannot be joined from a new user namespace: nsspec makes the user namespace "
                    + "first, a namespace is joined only with CAP_SYS_ADMIN over the user namespace that owns it, and a new one owns none "
                    + "that existed before it (setns would fail with EPERM, also as root)",
                at: path.location, notes: [.init("the new user namespace is made here", at: user.location)],
                hint: "join the user namespace that owns it instead ({type: user, path: /proc/PID/ns/user} of a process in it), "
                    + "or, for a namespace of the host's (`ip netns add`), drop `user` and run as root")
        }
    },
    Rule("hostname-without-uts", "hostname needs the uts namespace") { spec, _ in
        requires(spec, spec.keys["hostname"], "hostname", .uts, join: true, rule: "hostname-without-uts")
    },
    Rule("domainname-without-uts", "domainname needs the uts namespace") { spec, _ in
        requires(spec, spec.keys["domainname"], "domainname", .uts, join: true, rule: "domainname-without-uts")
    },
    Rule("hostname-invalid", "hostname and domainname are at most 64 bytes of RFC 1123 labels") { spec, _ in
        [spec.hostname.flatMap { checkHostName($0, "hostname", rule: "hostname-invalid") },
         spec.domainname.flatMap { checkHostName($0, "domainname", rule: "domainname-invalid") }].compactMap { $0 }
    },
    Rule("idmap-without-user", "uidMap, gidMap and setgroups need a new user namespace") { spec, _ in
        requires(spec, spec.keys["uidMap"], "uidMap", .user, join: false, rule: "idmap-without-user")
            + requires(spec, spec.keys["gidMap"], "gidMap", .user, join: false, rule: "idmap-without-user")
            + requires(spec, spec.keys["setgroups"], "setgroups", .user, join: false, rule: "idmap-without-user")
    },
    Rule("root-without-mount", "root and readonlyRoot need a new mount namespace") { spec, _ in
        var out: [Diagnostic] = []
        if let root = spec.root, case .host = root.value {} else if spec.root != nil {
            out += requires(spec, spec.keys["root"], "root", .mount, join: false, rule: "root-without-mount")
        }
        if spec.readonlyRoot?.value == true {
            out += requires(spec, spec.keys["readonlyRoot"], "readonlyRoot", .mount, join: false, rule: "root-without-mount")
        }
        return out
    },
    Rule("mounts-without-mount", "mounts need a new mount namespace") { spec, _ in
        guard let mounts = spec.mounts, !mounts.value.isEmpty else { return [] }
        return requires(spec, spec.keys["mounts"], "mounts", .mount, join: false, rule: "mounts-without-mount")
    },
    Rule("network-without-net", "network needs a net namespace") { spec, _ in
        requires(spec, spec.keys["network"], "network", .net, join: true, rule: "network-without-net")
    },
]

/// An error at `at` when the spec neither creates (nor, with `join`, joins) a `kind` namespace.
func requires(
    _ spec: Spec, _ at: SourceLocation?, _ field: String, _ kind: NamespaceKind, join: Bool, rule: String
) -> [Diagnostic] {
    guard let at else { return [] }
    if let ns = spec.namespace(kind) {
        if ns.path == nil || join { return [] }
        return [.error(
            rule, "\(field) requires a new '\(kind.rawValue)' namespace, but this spec joins an existing one", at: at,
            notes: [.init("the '\(kind.rawValue)' namespace is joined here", at: ns.location)])]
    }
    return [.error(
        rule, "\(field) requires the '\(kind.rawValue)' namespace", at: at, notes: spec.namespacesNote(),
        hint: "add '\(kind.rawValue)' to namespaces")]
}

/// RFC 1123 host names as the kernel's UTS fields hold them: ≤ 64 bytes.
func checkHostName(_ name: Located<String>, _ field: String, rule: String) -> Diagnostic? {
    let v = name.value
    func bad(_ why: String) -> Diagnostic {
        .error(rule, "\(field) '\(v)' is not valid: \(why)", at: name.location)
    }
    if v.isEmpty { return bad("it is empty") }
    if v.utf8.count > 64 { return bad("it is \(v.utf8.count) bytes long; the kernel allows at most 64") }
    for label in v.split(separator: ".", omittingEmptySubsequences: false) {
        if label.isEmpty { return bad("it has an empty label (two dots, or a dot at either end)") }
        if label.utf8.count > 63 { return bad("the label '\(label)' is longer than 63 bytes") }
        if let c = label.unicodeScalars.first(where: { !($0.isASCII && (isAlnum($0) || $0 == "-")) }) {
            return bad("'\(c.escaped(asASCII: true))' is not allowed; use letters, digits, '-' and '.'")
        }
        if label.hasPrefix("-") || label.hasSuffix("-") { return bad("the label '\(label)' starts or ends with '-'") }
    }
    return nil
}

func isAlnum(_ c: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
}

/// Absolute, normalised paths: the form mount targets, cwd and namespace paths must take.
enum PathCheck {
    static func problem(_ p: String) -> String? {
        if p.isEmpty { return "is empty" }
        if !p.hasPrefix("/") { return "is not absolute" }
        if p == "/" { return nil }
        if p.hasSuffix("/") { return "ends with '/'" }
        let parts = p.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("") { return "has an empty component ('//')" }
        if parts.contains("..") { return "has a '..' component" }
        if parts.contains(".") { return "has a '.' component" }
        return nil
    }

    /// "write /a/b" when the path has an unambiguous normal form.
    static func hint(_ p: String) -> String? {
        guard p.hasPrefix("/") else { return "paths inside the sandbox start with '/'" }
        var out: [Substring] = []
        for part in p.split(separator: "/") where part != "." {
            if part == ".." {
                if out.isEmpty { return nil }
                out.removeLast()
            } else {
                out.append(part)
            }
        }
        return "write /" + out.joined(separator: "/")
    }
}
