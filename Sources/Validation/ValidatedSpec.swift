import Diagnostics
import SpecFormat

/// A spec that decoded without an error and that no rule found an error in. Only
/// `SpecCheck.check` makes one, so a function taking a `ValidatedSpec` need not handle what
/// validation rules out (a bind mount without a source, a veth without a name, …).
///
/// `mounts` and `veths` are typed views, with what validation guarantees made non-optional;
/// every other member of `Spec` reads through (`spec.hostname`, `spec.root`, …).
@dynamicMemberLookup
public struct ValidatedSpec: Sendable {
    /// The spec as decoded (warnings may have been reported about it, errors not).
    public let spec: Spec
    /// The mount table, in order.
    public let mounts: [ValidatedMount]
    /// The veth pairs, in order.
    public let veths: [ValidatedVeth]

    init(_ spec: Spec) {
        self.spec = spec
        mounts = (spec.mounts?.value ?? []).map(ValidatedMount.init)
        veths = (spec.network?.veth ?? []).map(ValidatedVeth.init)
    }

    @inlinable public subscript<T>(dynamicMember member: KeyPath<Spec, T>) -> T { spec[keyPath: member] }

    public func namespace(_ kind: NamespaceKind) -> NamespaceEntry? { spec.namespace(kind) }

    public func creates(_ kind: NamespaceKind) -> Bool { spec.creates(kind) }
}

/// A mount of a validated spec: its target, and the values its type requires.
@dynamicMemberLookup
public struct ValidatedMount: Sendable {
    public let mount: Mount
    /// As written, or the type's default; the types without a default require `target`.
    public let effectiveTarget: Located<String>
    public let kind: Kind

    /// The mount's type, with the keys the decoder requires of it (`MountType.requiredKeys`).
    public enum Kind: Sendable {
        case bind(source: Located<String>)
        case tmpfs, proc, sysfs, dev, devpts, mqueue, dir, file
        case symlink(link: Located<String>)
        /// The lower layers, top first (at least one), and where writes go (nil: read-only).
        case overlay(lower: [Located<String>], upper: Located<OverlayUpper>?)
    }

    init(_ m: Mount) {
        mount = m
        guard let target = m.effectiveTarget else { guaranteed("a \(m.type.rawValue) mount has a target") }
        effectiveTarget = target
        switch m.type {
        case .bind:
            guard let source = m.source else { guaranteed("a bind mount has a source") }
            kind = .bind(source: source)
        case .tmpfs: kind = .tmpfs
        case .proc: kind = .proc
        case .sysfs: kind = .sysfs
        case .dev: kind = .dev
        case .devpts: kind = .devpts
        case .mqueue: kind = .mqueue
        case .dir: kind = .dir
        case .file: kind = .file
        case .symlink:
            guard let link = m.link else { guaranteed("a symlink has a link") }
            kind = .symlink(link: link)
        case .overlay:
            guard let lower = m.lower?.value, !lower.isEmpty else { guaranteed("an overlay has a lower layer") }
            kind = .overlay(lower: lower, upper: m.upper)
        }
    }

    @inlinable public subscript<T>(dynamicMember member: KeyPath<Mount, T>) -> T { mount[keyPath: member] }
}

/// A veth pair of a validated spec: the sandbox end's name, the host end's, each route's destination.
@dynamicMemberLookup
public struct ValidatedVeth: Sendable {
    public let veth: Veth
    public let name: Located<String>
    public let host: ValidatedVethHost?
    public let routes: [ValidatedRoute]

    init(_ v: Veth) {
        veth = v
        guard let name = v.name else { guaranteed("a veth has a name") }
        self.name = name
        host = v.host.map(ValidatedVethHost.init)
        routes = v.routes.map(ValidatedRoute.init)
    }

    @inlinable public subscript<T>(dynamicMember member: KeyPath<Veth, T>) -> T { veth[keyPath: member] }
}

@dynamicMemberLookup
public struct ValidatedVethHost: Sendable {
    public let host: VethHost
    public let name: Located<String>

    init(_ h: VethHost) {
        host = h
        guard let name = h.name else { guaranteed("a veth's host side has a name") }
        self.name = name
    }

    @inlinable public subscript<T>(dynamicMember member: KeyPath<VethHost, T>) -> T { host[keyPath: member] }
}

@dynamicMemberLookup
public struct ValidatedRoute: Sendable {
    public let route: Route
    public let to: Located<CIDR>

    init(_ r: Route) {
        route = r
        guard let to = r.to else { guaranteed("a route has a destination") }
        self.to = to
    }

    @inlinable public subscript<T>(dynamicMember member: KeyPath<Route, T>) -> T { route[keyPath: member] }
}

/// A value the decoder reports as missing (`missing-field`), so that a spec without it never
/// becomes a `ValidatedSpec`: SpecCheckTests holds each case, and the fuzz target plans every
/// spec it validates.
private func guaranteed(_ what: String) -> Never {
    preconditionFailure("validated: \(what)")
}
