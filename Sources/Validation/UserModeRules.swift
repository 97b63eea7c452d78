import Diagnostics
import SpecFormat

/// `network.userMode`: pasta connects the sandbox's own net namespace to the host's network
/// (docs/spec-v1.md, "User-mode networking"). What the spec alone can tell; whether pasta and
/// /dev/net/tun are there and the host ports are free are host checks (preflight).
let userModeRules: [Rule] = [
    Rule("usermode-net", "userMode needs a new net namespace") { spec, _ in
        guard let (_, at) = spec.userMode else { return [] }
        guard let net = spec.namespace(.net) else {
            return [.error(
                "usermode-net", "userMode requires a new 'net' namespace, for pasta to connect to the host's network",
                at: at, notes: spec.namespacesNote(), hint: "add 'net' to namespaces")]
        }
        guard net.path != nil else { return [] }
        return [.error(
            "usermode-net", "userMode needs a new 'net' namespace, but this spec joins an existing one", at: at,
            notes: [.init("the 'net' namespace is joined here", at: net.location)],
            hint: "pasta attaches to a namespace of the run's own and gives it an address and routes; "
                + "create the namespace ('net' in namespaces), or leave userMode out and configure the joined one beforehand")]
    },
    Rule("usermode-loopback", "userMode keeps lo up") { spec, _ in
        guard let (_, at) = spec.userMode, let loopback = spec.network?.loopback, !loopback.value else { return [] }
        return [.error(
            "usermode-loopback",
            "loopback: false with userMode: published ports reach the sandbox over its loopback interface, and pasta needs 'lo' up",
            at: loopback.location, notes: [.init("userMode is set here", at: at)],
            hint: "remove loopback: false (userMode brings lo up), or leave userMode out")]
    },
    Rule("usermode-veth-gateway", "a veth gives no default route next to userMode") { spec, _ in
        guard let (userMode, at) = spec.userMode, userMode.outboundValue else { return [] }
        return (spec.network?.veth ?? []).compactMap { v in
            guard let gateway = v.gateway else { return nil }
            return .error(
                "usermode-veth-gateway",
                "veth '\(v.name?.value ?? "?")' has a gateway, and userMode gives the sandbox its default route too: "
                    + "the sandbox would have two default routes",
                at: gateway.location, notes: [.init("userMode (outbound) sets the default route", at: at)],
                hint: "remove the gateway and give the veth 'routes' to the networks it reaches, "
                    + "or set outbound: false in userMode (published ports only)")
        }
    },
    Rule("usermode-interface", "no veth is named as pasta's interface") { spec, _ in
        guard let (_, at) = spec.userMode else { return [] }
        return (spec.network?.veth ?? []).compactMap { v in
            guard let name = v.name, name.value == "eth0" else { return nil }
            return .error(
                "usermode-interface", "veth 'eth0' inside: with userMode, eth0 is pasta's interface in the sandbox",
                at: name.location, notes: [.init("userMode is set here", at: at)],
                hint: "give the veth another name inside (e.g. veth0)")
        }
    },
    Rule("usermode-dns-mount", "userMode's dns needs a new mount namespace") { spec, _ in
        guard let (userMode, at) = spec.userMode, userMode.dnsValue else { return [] }
        let place = userMode.dns?.location ?? at
        let what = userMode.dns == nil ? "userMode's dns (on, as outbound is)" : "userMode's dns: true"
        let why = "the resolv.conf that points at pasta's DNS forwarder is bound over /etc/resolv.conf, and only a mount namespace "
            + "of the sandbox's own keeps that from the host"
        if let mount = spec.namespace(.mount) {
            guard mount.path != nil else { return [] }
            return [.error(
                "usermode-dns-mount", "\(what) needs a new 'mount' namespace, but this spec joins an existing one: \(why)",
                at: place, notes: [.init("the 'mount' namespace is joined here", at: mount.location)],
                hint: "set dns: false in userMode (the sandbox keeps the resolv.conf it sees), or create the namespace ('mount' in namespaces)")]
        }
        return [.error(
            "usermode-dns-mount", "\(what) requires a new 'mount' namespace: \(why)",
            at: place, notes: spec.namespacesNote(),
            hint: "add 'mount' to namespaces, or set dns: false in userMode (the sandbox keeps the resolv.conf it sees)")]
    },
    Rule("usermode-dns-outbound", "userMode's dns: true needs outbound") { spec, _ in
        guard let (userMode, _) = spec.userMode, let dns = userMode.dns, dns.value,
              let outbound = userMode.outbound, !outbound.value else { return [] }
        return [.error(
            "usermode-dns-outbound",
            "dns: true with outbound: false: nothing leaves the sandbox, so DNS queries cannot either",
            at: dns.location, notes: [.init("outbound is off here", at: outbound.location)],
            hint: "remove dns (it follows outbound), or set outbound: true")]
    },
    Rule("port-duplicate", "a host port is published once per protocol and host address") { spec, _ in
        guard let (userMode, _) = spec.userMode else { return [] }
        var out: [Diagnostic] = []
        var earlier: [PublishedPort] = []
        for p in userMode.ports {
            guard let host = p.host else { continue }
            if let first = earlier.first(where: { $0.host?.value == host.value && $0.protocolValue == p.protocolValue
                && addressesOverlap($0.hostAddress?.value, p.hostAddress?.value) }) {
                let on = { (a: Located<IPAddress>?) in a.map { "on \($0.value)" } ?? "on every address" }
                let place = first.hostAddress?.value == p.hostAddress?.value
                    ? on(p.hostAddress) : "\(on(first.hostAddress)) and \(on(p.hostAddress))"
                out.append(.error(
                    "port-duplicate",
                    "host port \(host.value)/\(p.protocolValue.rawValue) is published twice, \(place)",
                    at: host.location, notes: [.init("first published here", at: first.host?.location ?? first.location)],
                    hint: "a host port takes one sandbox port per protocol and address: remove one, "
                        + "or give each a hostAddress of its own"))
            }
            earlier.append(p)
        }
        return out
    },
]

extension Spec {
    /// `network.userMode` and where its key is written; nil when it is absent or false.
    var userMode: (UserMode, SourceLocation)? {
        guard let network, let userMode = network.userMode else { return nil }
        return (userMode, network.userModeKey ?? userMode.location)
    }
}

/// Whether two host addresses of published ports can take the same connection: nil is every
/// address, and 0.0.0.0 / :: every address of its family.
func addressesOverlap(_ a: IPAddress?, _ b: IPAddress?) -> Bool {
    guard let a, let b else { return true }
    if a == b { return true }
    guard a.isV4 == b.isV4 else { return false }
    return a == .v4(0) || b == .v4(0) || a == .v6(high: 0, low: 0) || b == .v6(high: 0, low: 0)
}
