import Diagnostics
import SpecFormat

let networkRules: [Rule] = [
    Rule("interface-name", "interface names follow the kernel's rule and are unique") { spec, _ in
        let veths = spec.network?.veth ?? []
        // Names inside share the sandbox's namespace, host names the host's; 'lo' exists in both.
        return checkInterfaceNames(veths.compactMap(\.name), side: "inside the sandbox")
            + checkInterfaceNames(veths.compactMap(\.host?.name), side: "on the host")
    },
    Rule("gateway-outside-subnet", "the gateway and route 'via' lie in a subnet of the interface") { spec, _ in
        var out: [Diagnostic] = []
        for v in spec.network?.veth ?? [] {
            for hop in [v.gateway].compactMap({ $0 }) + v.routes.compactMap(\.via) {
                guard !v.addresses.contains(where: { $0.value.contains(hop.value) }) else { continue }
                let family = hop.value.isV4 ? "IPv4" : "IPv6"
                let same = v.addresses.filter { $0.value.address.isV4 == hop.value.isV4 }
                let subnets = same.map { "\($0.value.network)/\($0.value.prefix)" }.joined(separator: ", ")
                out.append(.error(
                    "gateway-outside-subnet",
                    same.isEmpty
                        ? "\(hop.value) is unreachable: interface '\(v.name?.value ?? "?")' has no \(family) address"
                        : "\(hop.value) is not in the interface's subnet\(same.count > 1 ? "s" : "") \(subnets)",
                    at: hop.location,
                    notes: same.map { .init("address \($0.value)", at: $0.location) },
                    hint: "a next hop must be reachable directly through one of the interface's own addresses"))
            }
        }
        return out
    },
    Rule("route-host-bits", "a route's destination is a network address") { spec, _ in
        (spec.network?.veth ?? []).flatMap(\.routes).compactMap { r in
            guard let to = r.to, to.value.hasHostBits else { return nil }
            return .error(
                "route-host-bits", "route destination \(to.value) has host bits set", at: to.location,
                hint: "did you mean \(to.value.network)/\(to.value.prefix)?")
        }
    },
    Rule("mtu-ipv6", "an interface with IPv6 has an MTU of at least 1280") { spec, _ in
        (spec.network?.veth ?? []).compactMap { v in
            guard let mtu = v.mtu, mtu.value < 1280,
                  let v6 = v.addresses.first(where: { !$0.value.address.isV4 }) else { return nil }
            return .error(
                "mtu-ipv6", "MTU \(mtu.value) is below 1280, the minimum for IPv6", at: mtu.location,
                notes: [.init("IPv6 address \(v6.value)", at: v6.location)])
        }
    },
]

func checkInterfaceNames(_ names: [Located<String>], side: String, reserved: Set<String> = ["lo"]) -> [Diagnostic] {
    var out: [Diagnostic] = []
    var seen: [String: SourceLocation] = [:]
    for n in names {
        if let problem = interfaceNameProblem(n.value) {
            out.append(.error("interface-name", "interface name '\(n.value)' \(problem)", at: n.location))
        } else if reserved.contains(n.value) {
            out.append(.error("interface-name", "'\(n.value)' already exists \(side); choose another name", at: n.location))
        } else if let first = seen[n.value] {
            out.append(.error("interface-name", "interface name '\(n.value)' is used twice \(side)",
                              at: n.location, notes: [.init("first used here", at: first)]))
        } else {
            seen[n.value] = n.location
        }
    }
    return out
}

/// The kernel's `dev_valid_name`: 1–15 bytes, not "." or "..", no '/', ':' or whitespace.
func interfaceNameProblem(_ name: String) -> String? {
    if name.isEmpty { return "is empty" }
    if name.utf8.count > 15 { return "is \(name.utf8.count) bytes long; the kernel allows at most 15" }
    if name == "." || name == ".." { return "is reserved ('.' and '..' are never interface names)" }
    if let c = name.unicodeScalars.first(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace }) {
        return "contains '\(c.escaped(asASCII: true))', which the kernel does not allow in interface names"
    }
    return nil
}
