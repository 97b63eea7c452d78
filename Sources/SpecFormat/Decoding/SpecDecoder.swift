import Diagnostics

/// Located YAML nodes -> `Spec`, strictly: unknown keys, wrong types and ambiguous scalars are
/// diagnosed, never guessed at. Cross-field rules are not checked here (see the Validation module).
public enum SpecDecoder {
    public static let topLevelKeys = [
        "version", "name", "namespaces", "hostname", "domainname", "uidMap", "gidMap", "setgroups",
        "root", "readonlyRoot", "mounts", "network", "process",
    ]

    public static func decode(_ root: YAMLNode) -> (Spec?, [Diagnostic]) {
        var d = NodeDecoder()
        guard let top = d.object(root, "spec", allowed: topLevelKeys, what: "the spec") else {
            return (nil, [.error(
                "wrong-type", "a spec must be a mapping of keys (version, namespaces, …), found \(root.found)",
                at: root.location)])
        }
        var spec = Spec(location: top.location)
        if top["version"] == nil {
            d.diagnostics.append(.error(
                "missing-field", "the spec needs 'version'", at: top.location, hint: "add `version: 1` at the top"))
        }
        spec.version = d.integer(top["version"], "version", range: 0...UInt64(Int32.max), expected: "the integer 1")
            .map { Located(Int($0.value), at: $0.location) }
        if let v = spec.version, v.value != 1 {
            d.diagnostics.append(.error(
                "unsupported-version", "spec version \(v.value) is not supported; this nsspec reads version 1",
                at: v.location))
        }
        spec.name = d.string(top["name"], "name")
        for e in top.entries { spec.keys[e.key.text] = e.key.location }
        spec.namespaces = d.namespaces(top["namespaces"])
        spec.hostname = d.string(top["hostname"], "hostname")
        spec.domainname = d.string(top["domainname"], "domainname")
        spec.uidMap = d.idMap(top["uidMap"], "uidMap")
        spec.gidMap = d.idMap(top["gidMap"], "gidMap")
        spec.setgroups = d.word(top["setgroups"], "setgroups", SetgroupsPolicy.self)
        spec.root = d.root(top["root"])
        spec.readonlyRoot = d.bool(top["readonlyRoot"], "readonlyRoot")
        spec.mounts = d.mounts(top["mounts"])
        spec.network = d.network(top["network"])
        spec.process = d.process(top["process"])
        return (spec, d.diagnostics)
    }
}

extension NodeDecoder {
    mutating func namespaces(_ node: YAMLNode?) -> [NamespaceEntry] {
        guard let items = list(node, "namespaces") else { return [] }
        var out: [NamespaceEntry] = []
        for item in items {
            if case .mapping = item {
                guard let o = object(item, "namespaces", allowed: ["type", "path"], what: "a namespace entry") else { continue }
                require(["type"], in: o, what: "a namespace entry")
                guard let kind = word(o["type"], "type", NamespaceKind.self) else { continue }
                let path = string(o["path"], "path")
                out.append(NamespaceEntry(kind: kind.value, path: path, location: o.location))
            } else if let kind = word(item, "namespaces", NamespaceKind.self, noun: "a namespace type") {
                out.append(NamespaceEntry(kind: kind.value, path: nil, location: kind.location))
            }
        }
        return out
    }

    mutating func idMap(_ node: YAMLNode?, _ key: String) -> Located<[IDMapEntry]>? {
        guard let node, let items = list(node, key) else { return nil }
        var out: [IDMapEntry] = []
        for item in items {
            guard let o = object(item, key, allowed: ["inside", "outside", "count"], what: "a \(key) entry") else { continue }
            require(["inside", "outside", "count"], in: o, what: "a \(key) entry")
            let inside = idInside(o["inside"])
            let outside = idOutside(o["outside"])
            let count = integer(o["count"], "count", range: 1...4_294_967_295, expected: "a count from 1 to 4294967295")
                .map { Located(UInt32($0.value), at: $0.location) }
            if let inside, let outside, let count {
                out.append(IDMapEntry(inside: inside, outside: outside, count: count, location: o.location))
            }
        }
        return Located(out, at: node.location)
    }

    /// `inside`: an id, or `self` for the caller's own id.
    mutating func idInside(_ node: YAMLNode?) -> Located<IDMapEntry.Inside>? {
        guard let node else { return nil }
        if case .scalar(let s) = node, ScalarKind(s) == .string {
            if s.text == "self" { return Located(.caller, at: s.location) }
            diagnostics.append(.error(
                "unknown-value",
                "'\(s.text)' is not a valid 'inside'" + Synonyms.didYouMean(s.text, in: ["self"]),
                at: s.location, hint: "expected an id or 'self'"))
            return nil
        }
        return id(node, "inside").map { Located(.id($0.value), at: $0.location) }
    }

    mutating func idOutside(_ node: YAMLNode?) -> Located<IDMapEntry.Outside>? {
        guard let node else { return nil }
        if case .scalar(let s) = node, ScalarKind(s) == .string {
            switch s.text {
            case "self": return Located(.caller, at: s.location)
            case "subordinate": return Located(.subordinate, at: s.location)
            default:
                diagnostics.append(.error(
                    "unknown-value",
                    "'\(s.text)' is not a valid 'outside'" + Synonyms.didYouMean(s.text, in: ["self", "subordinate"]),
                    at: s.location, hint: "expected an id, 'self' or 'subordinate'"))
                return nil
            }
        }
        return id(node, "outside").map { Located(.id($0.value), at: $0.location) }
    }

    mutating func root(_ node: YAMLNode?) -> Located<Root>? {
        guard let node else { return nil }
        if case .mapping = node {
            guard let o = object(node, "root", allowed: ["path", "readonly", "overlay"], what: "root") else { return nil }
            require(["path"], in: o, what: "a root directory")
            let overlay = rootOverlay(o["overlay"])
            guard let path = string(o["path"], "path") else { return nil }
            return Located(.directory(path: path, readonly: bool(o["readonly"], "readonly"), overlay: overlay), at: node.location)
        }
        guard case .scalar(let s) = node, ScalarKind(s) == .string else {
            wrongType(node, "root", expected: "'host', 'tmpfs' or a mapping with 'path'")
            return nil
        }
        switch s.text {
        case "host": return Located(.host, at: s.location)
        case "tmpfs": return Located(.tmpfs, at: s.location)
        default:
            diagnostics.append(.error(
                "unknown-value", "'\(s.text)' is not a valid 'root'" + Synonyms.didYouMean(s.text, in: ["host", "tmpfs"]),
                at: s.location, hint: "expected 'host', 'tmpfs', or {path: DIR} to use a directory as the root"))
            return nil
        }
    }

    /// `root.overlay`: `tmpfs`, or `{upper: PATH, work: PATH}`.
    mutating func rootOverlay(_ node: YAMLNode?) -> Located<OverlayUpper>? {
        guard let node else { return nil }
        if case .scalar(let s) = node, ScalarKind(s) == .string {
            if s.text == "tmpfs" { return Located(.tmpfs, at: s.location) }
            diagnostics.append(.error(
                "unknown-value", "'\(s.text)' is not a valid 'overlay'" + Synonyms.didYouMean(s.text, in: ["tmpfs"]),
                at: s.location, hint: "expected 'tmpfs' (writes discarded at exit) or {upper: DIR, work: DIR} (writes kept in DIR)"))
            return nil
        }
        guard let o = object(node, "overlay", allowed: ["upper", "work"], what: "overlay") else { return nil }
        require(["upper", "work"], in: o, what: "an overlay with directories")
        guard let upper = string(o["upper"], "upper"), let work = string(o["work"], "work") else { return nil }
        return Located(.directory(upper: upper, work: work), at: node.location)
    }

    /// An overlay mount's `upper` (`tmpfs` or a directory) and `work` (with a directory only).
    mutating func mountOverlay(_ o: Object, location: SourceLocation) -> Located<OverlayUpper>? {
        let work = string(o["work"], "work")
        guard let upper = string(o["upper"], "upper") else {
            if let work {
                diagnostics.append(.error("unknown-key", "'work' goes with a directory 'upper'; this overlay has no upper (a read-only union)",
                                          at: work.location, hint: "add upper: DIR next to it, or remove work"))
            }
            return nil
        }
        if upper.value == "tmpfs" {
            if let work {
                diagnostics.append(.error("unknown-key", "'work' does not apply to upper: tmpfs (nsspec makes both in the tmpfs)",
                                          at: work.location, hint: "remove work, or give a directory as upper (./tmpfs for a directory named tmpfs)"))
            }
            return Located(.tmpfs, at: upper.location)
        }
        guard let work else {
            diagnostics.append(.error("missing-field", "an overlay with a directory upper needs 'work', an empty directory on the same filesystem",
                                      at: location, hint: "add work: DIR beside the upper directory (overlayfs keeps its scratch files there)"))
            return nil
        }
        return Located(.directory(upper: upper, work: work), at: upper.location)
    }

    static let allMountKeys: [String] = {
        var keys = ["type"]
        for t in MountType.allCases { for k in t.keys where !keys.contains(k) { keys.append(k) } }
        return keys
    }()

    mutating func mounts(_ node: YAMLNode?) -> Located<[Mount]>? {
        guard let node, let items = list(node, "mounts") else { return nil }
        var out: [Mount] = []
        for (i, item) in items.enumerated() {
            guard case .mapping(let entries, let location) = item else {
                wrongType(item, "mounts[\(i)]", expected: "a mount: a mapping with 'type'")
                continue
            }
            let typeNode = entries.first { $0.key.text == "type" }?.value
            guard let typeNode else {
                _ = object(item, "mounts", allowed: Self.allMountKeys, what: "a mount")
                diagnostics.append(.error(
                    "missing-field", "a mount needs 'type'", at: location,
                    hint: "one of \(MountType.allCases.map(\.rawValue).joined(separator: ", "))"))
                continue
            }
            guard let type = word(typeNode, "type", MountType.self)?.value else {
                _ = object(item, "mounts", allowed: Self.allMountKeys, what: "a mount")
                continue
            }
            let allowed = ["type"] + type.keys
            guard let o = object(item, "mounts", allowed: allowed, what: "a \(type.rawValue) mount", explainUnknown: { key in
                guard Self.allMountKeys.contains(key) else { return nil }
                let users = MountType.allCases.filter { $0.keys.contains(key) }.map(\.rawValue)
                return "'\(key)' does not apply to a \(type.rawValue) mount (only to \(users.joined(separator: ", ")))"
            }) else { continue }
            require(type.requiredKeys, in: o, what: "a \(type.rawValue) mount")
            var m = Mount(type: type, location: o.location)
            m.target = string(o["target"], "target")
            m.source = string(o["source"], "source")
            m.readonly = bool(o["readonly"], "readonly")
            m.optional = bool(o["optional"], "optional")
            m.recursive = bool(o["recursive"], "recursive")
            m.nosuid = bool(o["nosuid"], "nosuid")
            m.nodev = bool(o["nodev"], "nodev")
            m.noexec = bool(o["noexec"], "noexec")
            m.propagation = word(o["propagation"], "propagation", Propagation.self)
            m.size = size(o["size"], "size", percent: true)
            m.mode = mode(o["mode"], "mode")
            m.content = string(o["content"], "content")
            m.link = string(o["link"], "link")
            if type == .overlay {
                if let node = o["lower"], let items = list(node, "lower") {
                    if items.isEmpty {
                        diagnostics.append(.error("missing-field", "an overlay needs at least one lower directory", at: node.location))
                    }
                    m.lower = Located(items.enumerated().compactMap { string($1, "lower[\($0)]") }, at: node.location)
                }
                m.upper = mountOverlay(o, location: o.location)
            }
            out.append(m)
        }
        return Located(out, at: node.location)
    }

    mutating func network(_ node: YAMLNode?) -> Network? {
        guard let node, let o = object(node, "network", allowed: ["loopback", "veth", "userMode"], what: "network") else { return nil }
        var n = Network(location: o.location)
        n.loopback = bool(o["loopback"], "loopback")
        for item in list(o["veth"], "veth") ?? [] {
            if let v = veth(item) { n.veth.append(v) }
        }
        n.userMode = userMode(o["userMode"])
        n.userModeKey = o.keyLocation("userMode")
        return n
    }

    static let userModeKeys = ["ports", "outbound", "hostLoopback", "dns"]

    /// `userMode: true` (every default), `false` (the same as no key: nil), or a mapping of
    /// `ports`, `outbound`, `hostLoopback`, `dns`.
    mutating func userMode(_ node: YAMLNode?) -> UserMode? {
        guard let node else { return nil }
        let expected = "true, false or a mapping with 'ports', 'outbound', 'hostLoopback', 'dns'"
        switch node {
        case .mapping:
            guard let o = object(node, "userMode", allowed: Self.userModeKeys, what: "userMode") else { return nil }
            var u = UserMode(location: o.location)
            for (i, item) in (list(o["ports"], "ports") ?? []).enumerated() {
                if let p = publishedPort(item, index: i) { u.ports.append(p) }
            }
            u.outbound = bool(o["outbound"], "outbound")
            u.hostLoopback = bool(o["hostLoopback"], "hostLoopback")
            u.dns = bool(o["dns"], "dns")
            return u
        case .scalar(let s):
            switch ScalarKind(s) {
            case .bool, .oddlyCasedBool, .yaml11Bool:
                guard let on = bool(node, "userMode") else { return nil }
                return on.value ? UserMode(location: on.location) : nil
            case .string where !s.isPlain && (s.text == "true" || s.text == "false"):
                _ = bool(node, "userMode")
            case .null:
                wrongType(node, "userMode", expected: expected,
                          hint: "write userMode: true for every default, or indent its keys (ports, outbound, …) under it")
            default:
                wrongType(node, "userMode", expected: expected)
            }
            return nil
        default:
            wrongType(node, "userMode", expected: expected)
            return nil
        }
    }

    /// One of `userMode.ports`: `{host, inside, protocol, hostAddress}`, `host` required.
    mutating func publishedPort(_ node: YAMLNode, index: Int) -> PublishedPort? {
        guard case .mapping = node else {
            wrongType(node, "ports[\(index)]", expected: "a published port: a mapping with 'host' (and 'inside', 'protocol', 'hostAddress')",
                      hint: Self.portHint(node))
            return nil
        }
        let keys = ["host", "inside", "protocol", "hostAddress"]
        guard let o = object(node, "ports", allowed: keys, what: "a published port") else { return nil }
        require(["host"], in: o, what: "a published port")
        var p = PublishedPort(location: o.location)
        p.host = port(o["host"], "host")
        p.inside = port(o["inside"], "inside")
        p.protocol = word(o["protocol"], "protocol", PortProtocol.self)
        p.hostAddress = ipAddress(o["hostAddress"], "hostAddress")
        return p
    }

    mutating func port(_ node: YAMLNode?, _ key: String) -> Located<Int>? {
        integer(node, key, range: 1...65535, expected: "a port number from 1 to 65535")
            .map { Located(Int($0.value), at: $0.location) }
    }

    /// How to write a port given the way other tools do: `8080`, `"8080:80"`, `8080:80/udp`,
    /// `127.0.0.1:8080:80` (Docker's `-p`).
    static func portHint(_ node: YAMLNode) -> String? {
        guard case .scalar(let s) = node else { return "write each port as {host: 8080, inside: 80}" }
        var text = Substring(s.text)
        var proto: Substring?
        if let slash = text.lastIndex(of: "/") {
            proto = text[text.index(after: slash)...]
            text = text[..<slash]
        }
        var parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var address: Substring?
        if parts.count == 3 {
            address = parts.removeFirst()
        }
        func isPort(_ p: Substring) -> Bool {
            !p.isEmpty && p.count <= 5 && p.allSatisfy { $0.isASCII && $0.isNumber } && !p.hasPrefix("0")
        }
        guard (1...2).contains(parts.count), parts.allSatisfy(isPort), address.map({ !$0.isEmpty }) ?? true else {
            return "write each port as {host: 8080, inside: 80}"
        }
        var fields = ["host: \(parts[0])"]
        if parts.count == 2 { fields.append("inside: \(parts[1])") }
        if let proto { fields.append("protocol: \(proto)") }
        if let address { fields.append("hostAddress: \(address)") }
        return "write {\(fields.joined(separator: ", "))}" + (parts.count == 1 ? " (inside is the same port unless given)" : "")
    }

    mutating func veth(_ node: YAMLNode) -> Veth? {
        let keys = ["name", "address", "gateway", "routes", "mtu", "mac", "host"]
        guard let o = object(node, "veth", allowed: keys, what: "a veth") else { return nil }
        require(["name"], in: o, what: "a veth")
        var v = Veth(location: o.location)
        v.name = string(o["name"], "name")
        v.addresses = cidrs(o["address"], "address")
        v.gateway = ipAddress(o["gateway"], "gateway")
        for item in list(o["routes"], "routes") ?? [] {
            guard let r = object(item, "routes", allowed: ["to", "via"], what: "a route") else { continue }
            require(["to"], in: r, what: "a route")
            v.routes.append(Route(location: r.location, to: cidr(r["to"], "to"), via: ipAddress(r["via"], "via")))
        }
        v.mtu = integer(o["mtu"], "mtu", range: 68...65535, expected: "an MTU from 68 to 65535")
            .map { Located(Int($0.value), at: $0.location) }
        if case .scalar(let s) = o["mac"], s.isPlain, ScalarKind.isSexagesimal(s.text) {
            diagnostics.append(.error(
                "ambiguous-number", "unquoted MAC address \(s.text) is ambiguous: YAML 1.1 reads it as a base-60 number",
                at: s.location, hint: "quote it: \"\(s.text)\""))
        } else if let s = string(o["mac"], "mac") {
            switch MACAddress.parse(s.value) {
            case .success(let mac): v.mac = Located(mac, at: s.location)
            case .failure(let e): diagnostics.append(.error("invalid-mac", e.message, at: s.location))
            }
        }
        if let h = o["host"], let ho = object(h, "host", allowed: ["name", "address"], what: "a veth host side") {
            require(["name"], in: ho, what: "a veth host side")
            v.host = VethHost(location: ho.location, name: string(ho["name"], "name"), addresses: cidrs(ho["address"], "address"))
        }
        return v
    }

    mutating func cidrs(_ node: YAMLNode?, _ key: String) -> [Located<CIDR>] {
        if let node, case .mapping = node {
            wrongType(node, key, expected: "an address like 10.0.0.2/24, or a list of them")
            return []
        }
        return oneOrMany(node).compactMap { cidr($0, key) }
    }

    mutating func cidr(_ node: YAMLNode?, _ key: String) -> Located<CIDR>? {
        guard let s = string(node, key) else { return nil }
        switch CIDR.parse(s.value) {
        case .success(let c): return Located(c, at: s.location)
        case .failure(let e):
            diagnostics.append(.error("invalid-address", e.message, at: s.location))
            return nil
        }
    }

    mutating func ipAddress(_ node: YAMLNode?, _ key: String) -> Located<IPAddress>? {
        guard let s = string(node, key) else { return nil }
        if s.value.contains("/") {
            diagnostics.append(.error(
                "invalid-address", "'\(key)' is a single address without a prefix length, found '\(s.value)'",
                at: s.location))
            return nil
        }
        switch IPAddress.parse(s.value) {
        case .success(let a): return Located(a, at: s.location)
        case .failure(let e):
            diagnostics.append(.error("invalid-address", e.message, at: s.location))
            return nil
        }
    }

    static let processKeys = [
        "args", "cwd", "env", "passEnv", "uid", "gid", "groups", "capabilities", "noNewPrivileges",
        "rlimits", "init", "dieWithParent", "seccomp", "nestedNamespaces", "terminal",
    ]

    mutating func process(_ node: YAMLNode?) -> Process? {
        guard let node, let o = object(node, "process", allowed: Self.processKeys, what: "process") else { return nil }
        var p = Process(location: o.location)
        if let argsNode = o["args"], let items = list(argsNode, "args") {
            p.args = Located(items.enumerated().compactMap { string($1, "args[\($0)]") }, at: argsNode.location)
        }
        p.cwd = string(o["cwd"], "cwd")
        if let env = entries(o["env"], "env") {
            for e in env {
                if let value = string(e.value, e.key.text) {
                    p.env.append((Located(e.key.text, at: e.key.location), value))
                }
            }
        }
        p.passEnv = (list(o["passEnv"], "passEnv") ?? []).enumerated().compactMap { string($1, "passEnv[\($0)]") }
        p.uid = id(o["uid"], "uid")
        p.gid = id(o["gid"], "gid")
        p.groups = (list(o["groups"], "groups") ?? []).enumerated().compactMap { id($1, "groups[\($0)]") }
        p.capabilities = (list(o["capabilities"], "capabilities") ?? []).enumerated().compactMap { string($1, "capabilities[\($0)]") }
        p.noNewPrivileges = bool(o["noNewPrivileges"], "noNewPrivileges")
        p.rlimits = rlimits(o["rlimits"])
        p.initProcess = bool(o["init"], "init")
        p.dieWithParent = bool(o["dieWithParent"], "dieWithParent")
        p.seccomp = seccomp(o["seccomp"])
        p.nestedNamespaces = bool(o["nestedNamespaces"], "nestedNamespaces")
        p.terminal = terminal(o["terminal"])
        return p
    }

    /// `terminal: auto | true | false`.
    mutating func terminal(_ node: YAMLNode?) -> Located<Terminal>? {
        guard let node else { return nil }
        if case .scalar(let s) = node, ScalarKind(s) == .string {
            return word(node, "terminal", Terminal.self)
        }
        return bool(node, "terminal").map { Located($0.value ? .always : .never, at: $0.location) }
    }

    /// `seccomp: default | unconfined`, or `{profile, allow, deny}` (no profile: `default`).
    /// Whether the names are system calls is a validation rule (`unknown-syscall`).
    mutating func seccomp(_ node: YAMLNode?) -> Seccomp? {
        guard let node else { return nil }
        switch node {
        case .mapping:
            guard let o = object(node, "seccomp", allowed: ["profile", "allow", "deny"], what: "seccomp") else { return nil }
            var s = Seccomp(location: o.location, profile: word(o["profile"], "profile", Seccomp.Profile.self))
            s.allow = syscallNames(o["allow"], "allow")
            s.deny = syscallNames(o["deny"], "deny")
            return s
        case .scalar(let s) where ScalarKind(s) == .string:
            guard let profile = Seccomp.Profile(rawValue: s.text) else {
                let words = Seccomp.Profile.allCases.map(\.rawValue)
                diagnostics.append(.error(
                    "unknown-value", "'\(s.text)' is not a valid 'seccomp'" + Synonyms.didYouMean(s.text, in: words),
                    at: s.location, hint: "expected 'default', 'unconfined', or {profile, allow, deny} to change the profile"))
                return nil
            }
            return Seccomp(location: s.location, profile: Located(profile, at: s.location))
        default:
            wrongType(node, "seccomp", expected: "'default', 'unconfined' or a mapping with 'profile', 'allow', 'deny'")
            return nil
        }
    }

    /// A list of system call names; a single name is refused with a hint to write a list.
    private mutating func syscallNames(_ node: YAMLNode?, _ key: String) -> [Located<String>] {
        if let node, case .scalar(let s) = node, ScalarKind(s) == .string, !s.text.isEmpty {
            wrongType(node, key, expected: "a list of system call names", hint: "write [\(s.text)] for a list of one")
            return []
        }
        return (list(node, key) ?? []).enumerated().compactMap { string($1, "\(key)[\($0)]") }
    }
}
