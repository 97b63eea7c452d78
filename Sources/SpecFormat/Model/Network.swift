import Diagnostics

public struct Network: Sendable {
    public var location: SourceLocation
    public var loopback: Located<Bool>?
    public var veth: [Veth] = []
    /// `network.userMode`: pasta connects the sandbox's own net namespace to the host's
    /// network in user mode (docs/user-mode-networking.md). nil when the key is absent or false.
    public var userMode: UserMode?
    /// Where the `userMode` key is written (also for `userMode: false`), for diagnostics.
    public var userModeKey: SourceLocation?

    public init(location: SourceLocation) { self.location = location }
}

/// `network.userMode` (`true` is `{}`: every default).
public struct UserMode: Sendable {
    public var location: SourceLocation
    public var ports: [PublishedPort] = []
    /// Connections out through the host (default true).
    public var outbound: Located<Bool>?
    /// The host's loopback reachable at the gateway address (default false).
    public var hostLoopback: Located<Bool>?
    /// A resolv.conf inside that points at pasta's DNS forwarder (default: as `outbound`).
    public var dns: Located<Bool>?

    public init(location: SourceLocation) { self.location = location }

    public var outboundValue: Bool { outbound?.value ?? true }
    public var hostLoopbackValue: Bool { hostLoopback?.value ?? false }
    public var dnsValue: Bool { dns?.value ?? outboundValue }
}

public enum PortProtocol: String, Sendable, CaseIterable {
    case tcp, udp
}

/// A published port: connections to `host` on the host reach `inside` in the sandbox.
public struct PublishedPort: Sendable {
    public var location: SourceLocation
    public var host: Located<Int>?
    public var inside: Located<Int>?
    public var `protocol`: Located<PortProtocol>?
    /// Where on the host it listens (default: every address).
    public var hostAddress: Located<IPAddress>?

    public init(location: SourceLocation) { self.location = location }

    public var protocolValue: PortProtocol { `protocol`?.value ?? .tcp }
}

public struct Veth: Sendable {
    public var location: SourceLocation
    public var name: Located<String>?
    public var addresses: [Located<CIDR>] = []
    public var gateway: Located<IPAddress>?
    public var routes: [Route] = []
    public var mtu: Located<Int>?
    public var mac: Located<MACAddress>?
    public var host: VethHost?

    public init(location: SourceLocation) { self.location = location }
}

public struct VethHost: Sendable {
    public var location: SourceLocation
    public var name: Located<String>?
    public var addresses: [Located<CIDR>] = []
}

public struct Route: Sendable {
    public var location: SourceLocation
    public var to: Located<CIDR>?
    public var via: Located<IPAddress>?
}
