import Planning
import SpecFormat
import System

/// Each process's view of the network: its own rtnetlink socket (a socket works in the
/// namespace it was opened in: the parent's on the host, the sandbox's inside), the indexes of
/// the links it has looked up, and, in the parent, the veth pairs it made.
struct NetworkState {
    var socket: Int32?
    var indexes: [(name: String, index: Int32)] = []
    var pasta = PastaState()
}

extension Executor {
    /// How long a host end left by an earlier run, whose network namespace the kernel is
    /// still tearing down (asynchronously, ~25–35 ms here), is waited for.
    static let leftoverWaitMilliseconds = 2000
    static let aliasPrefix = "nsspec pid "

    func network(_ step: Step) throws {
        switch step.action {
        case .checkNetworkAdmin:
            guard sys.hasEffectiveCapability(.netAdmin) else {
                throw RunFailure(
                    "a veth needs CAP_NET_ADMIN in the host's network namespace, where its host end is made, and "
                        + (caller.privileged ? "this root process does not have it" : "uid \(caller.uid) does not have it"),
                    hint: "run nsspec as root; without root a sandbox gets only lo (remove network.veth)")
            }
        case .checkHostInterface(let name):
            try checkHostInterface(name)
        case .checkHostAddresses(let cidrs):
            try checkHostAddresses(cidrs)
        case .createVeth(let pair, let peerIn):
            guard let inside = pids[peerIn] else { throw RunFailure("the \(peerIn.rawValue)'s pid is unknown") }
            let request = VethRequest(hostName: pair.host, peerName: pair.peer, peerNamespacePid: inside,
                                      mtu: pair.mtu.map { UInt32($0) }, peerMAC: pair.mac?.octets)
            let socket = try netlinkSocket()
            var host = try sys.createVeth(socket, request)
            if host == nil, let name = pair.host { host = try sys.link(socket, .name(name)) }
            // Deleted if the run fails. On success the pair is left to die with the sandbox's
            // network namespace: an explicit delete costs ~30 ms.
            if let host {
                undo.append(.link(name: host.name, index: host.index))
                network.indexes.append((host.name, host.index))
            }
        case .addAddress(let interface, let cidr):
            let socket = try netlinkSocket()
            try sys.addAddress(socket, index: try index(of: interface), interface: interface, Self.interfaceAddress(cidr))
        case .linkUp(let name):
            // The parent marks the host ends it raises, so that a later run can tell a leftover
            // of this one (gone with its namespace in a moment) from someone else's interface.
            let alias = step.stage == .hostNetwork ? Self.aliasPrefix + String(parentPid) : nil
            try sys.setLink(try netlinkSocket(), name, up: true, alias: alias)
        case .addRoute(let interface, let to, let via):
            let route = RouteRequest(destination: to.map(Self.interfaceAddress), gateway: via?.bytes)
            try sys.addRoute(try netlinkSocket(), index: try index(of: interface), interface: interface, route)
        case .loopbackUp:
            try sys.setLink(try netlinkSocket(), "lo", up: true, alias: nil)
        default:
            break
        }
    }

    static func interfaceAddress(_ cidr: CIDR) -> InterfaceAddress {
        InterfaceAddress(bytes: cidr.address.bytes, prefix: UInt8(cidr.prefix))
    }

    func netlinkSocket() throws -> Int32 {
        if let socket = network.socket { return socket }
        let socket = try sys.openNetlink()
        network.socket = socket
        return socket
    }

    func index(of name: String) throws -> Int32 {
        if let known = network.indexes.first(where: { $0.name == name }) { return known.index }
        guard let link = try sys.link(try netlinkSocket(), .name(name)) else {
            throw RunFailure("there is no interface \(name)")
        }
        network.indexes.append((name, link.index))
        return link.index
    }

    /// An interface of that name is an error, and is never touched, unless it is the host end
    /// of an earlier nsspec run that has ended: the kernel removes it with that run's network
    /// namespace, asynchronously, and it is waited for.
    private func checkHostInterface(_ name: String) throws {
        let socket = try netlinkSocket()
        guard var existing = try sys.link(socket, .name(name)) else { return }
        let owner = existing.alias.flatMap { alias in
            alias.hasPrefix(Self.aliasPrefix) ? Int32(alias.dropFirst(Self.aliasPrefix.count)) : nil
        }
        if let owner, existing.kind == "veth", !sys.processExists(owner) {
            var waited = 0
            while waited < Self.leftoverWaitMilliseconds {
                sys.sleep(milliseconds: 1)
                waited += 1
                guard let again = try sys.link(socket, .name(name)) else { return }
                existing = again
            }
            throw RunFailure("interface \(name) on the host, left by an nsspec run (pid \(owner)) that has ended, "
                             + "was not removed by the kernel within \(Self.leftoverWaitMilliseconds) ms",
                             hint: "nsspec never deletes an interface it did not create in this run; remove it with: ip link del \(name)")
        }
        let what = existing.kind.map { "a \($0) interface" } ?? "an interface"
        let by = owner.map { " (made by nsspec pid \($0), still running)" } ?? ""
        throw RunFailure("\(what) named \(name) already exists on the host\(by)",
                         hint: "choose another host name in the spec; nsspec never touches an interface it did not create")
    }

    private func checkHostAddresses(_ cidrs: [CIDR]) throws {
        let existing = try sys.addresses(try netlinkSocket())
        for cidr in cidrs {
            let mine = Self.interfaceAddress(cidr)
            for entry in existing where entry.address.isV4 == cidr.address.isV4 {
                let theirs = entry.address
                // Link-local fe80::/64 is on every IPv6 interface: only the exact address counts.
                let linkLocal = !theirs.isV4 && theirs.bytes[0] == 0xFE && theirs.bytes[1] & 0xC0 == 0x80
                let same = theirs.bytes == mine.bytes
                let overlap = !linkLocal && (theirs.prefix <= mine.prefix ? theirs.contains(mine.bytes) : mine.contains(theirs.bytes))
                guard same || overlap else { continue }
                let interface = try entry.label ?? sys.link(try netlinkSocket(), .index(entry.index))?.name ?? "ifindex \(entry.index)"
                let text = "\(IPAddress(bytes: theirs.bytes).map(\.description) ?? "?")/\(theirs.prefix) on \(interface)"
                throw RunFailure(same ? "\(cidr.address) is already an address of the host: \(text)"
                                      : "\(cidr) overlaps \(text): the host would have two routes to the same addresses",
                                 hint: "choose a subnet the host does not use")
            }
        }
    }
}
