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
    Rule("veth-joined-net", "a veth needs a new net namespace") { spec, _ in
        guard let first = spec.network?.veth.first, let net = spec.namespace(.net), net.path != nil else { return [] }
        return [.error(
            "veth-joined-net", "a veth needs a new 'net' namespace, but this spec joins an existing one", at: first.location,
            notes: [.init("the 'net' namespace is joined here", at: net.location)],
            hint: "a pair made in a joined namespace would outlive the run; create the namespace ('net' in namespaces) or configure the joined one beforehand")]
    },
    Rule("route-family", "a route's destination and next hop are of one family") { spec, _ in
        (spec.network?.veth ?? []).flatMap(\.routes).compactMap { r in
            guard let to = r.to, let via = r.via, to.value.address.isV4 != via.value.isV4 else { return nil }
            return .error(
                "route-family", "route to \(to.value) (\(family(to.value.address))) goes via \(via.value) (\(family(via.value)))",
                at: via.location, notes: [.init("destination", at: to.location)],
                hint: "an IPv4 route needs an IPv4 next hop, an IPv6 route an IPv6 one")
        }
    },
    Rule("veth-address-clash", "the two ends of a veth have different addresses") { spec, _ in
        var out: [Diagnostic] = []
        for v in spec.network?.veth ?? [] {
            for h in v.host?.addresses ?? [] {
                if let same = v.addresses.first(where: { $0.value.address == h.value.address }) {
                    out.append(.error("veth-address-clash", "the host end and the sandbox end both have \(h.value.address)",
                                      at: h.location, notes: [.init("the sandbox end's address", at: same.location)]))
                }
            }
        }
        return out
    },
    Rule("veth-no-shared-subnet", "the host end shares a subnet with the sandbox end") { spec, _ in
        var out: [Diagnostic] = []
        for v in spec.network?.veth ?? [] {
            for h in v.host?.addresses ?? [] {
                let inside = v.addresses.filter { $0.value.address.isV4 == h.value.address.isV4 }
                guard !inside.isEmpty, !inside.contains(where: { $0.value.contains(h.value.address) || h.value.contains($0.value.address) })
                else { continue }
                out.append(.warning(
                    "veth-no-shared-subnet",
                    "the host end's \(h.value) shares no subnet with the sandbox end (\(inside.map { "\($0.value)" }.joined(separator: ", ")))",
                    at: h.location, hint: "without a route on each side, neither end reaches the other"))
            }
        }
        return out
    },
    Rule("gateway-not-host-end", "a gateway in the host end's subnet is the host end") { spec, _ in
        var out: [Diagnostic] = []
        for v in spec.network?.veth ?? [] {
            guard let gateway = v.gateway, let host = v.host else { continue }
            let sameSubnet = host.addresses.filter { $0.value.contains(gateway.value) }
            guard !sameSubnet.isEmpty, !sameSubnet.contains(where: { $0.value.address == gateway.value }) else { continue }
            out.append(.warning(
                "gateway-not-host-end",
                "gateway \(gateway.value) is not the host end's address (\(sameSubnet.map { "\($0.value.address)" }.joined(separator: ", "))); "
                    + "nothing on the pair answers for it",
                at: gateway.location, notes: sameSubnet.map { .init("host end address", at: $0.location) },
                hint: "use the host end's address as the gateway"))
        }
        return out
    },
    Rule("gateway-unusable", "a next hop is not the interface's own, network or broadcast address") { spec, _ in
        var out: [Diagnostic] = []
        for v in spec.network?.veth ?? [] {
            for hop in [v.gateway].compactMap({ $0 }) + v.routes.compactMap(\.via) {
                for a in v.addresses where a.value.contains(hop.value) {
                    let why: String
                    if hop.value == a.value.address {
                        why = "the interface's own address"
                    } else if hop.value.isV4 && a.value.prefix <= 30 && hop.value == a.value.network {
                        why = "the network address of \(a.value.network)/\(a.value.prefix)"
                    } else if case .v4(let n) = a.value.network, hop.value.isV4, a.value.prefix <= 30,
                              hop.value == .v4(n | (UInt32.max >> UInt32(a.value.prefix))) {
                        why = "the broadcast address of \(a.value.network)/\(a.value.prefix)"
                    } else {
                        continue
                    }
                    out.append(.error("gateway-unusable", "next hop \(hop.value) is \(why)", at: hop.location,
                                      notes: [.init("address \(a.value)", at: a.location)],
                                      hint: "a next hop is another host on the link, such as the host end's address"))
                }
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

func family(_ a: IPAddress) -> String { a.isV4 ? "IPv4" : "IPv6" }

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
