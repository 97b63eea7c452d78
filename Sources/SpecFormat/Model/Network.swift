import Diagnostics

public struct Network: Sendable {
    public var location: SourceLocation
    public var loopback: Located<Bool>?
    public var veth: [Veth] = []

    public init(location: SourceLocation) { self.location = location }
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
