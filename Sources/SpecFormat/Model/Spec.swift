import Diagnostics

/// A spec as written, every value with its location. Decoding fills in only what is present;
/// defaults are applied by the accessors named `effective…` so that rules can still tell
/// "written" from "defaulted" (and point at the place a value was written).
public struct Spec: Sendable {
    /// Where the top-level mapping starts.
    public var location: SourceLocation
    /// The spec's file name as given (relative paths in the spec are relative to its directory).
    public var file: String { location.file }
    public var version: Located<Int>?
    public var name: Located<String>?
    public var namespaces: [NamespaceEntry] = []
    /// Where each top-level key is written, for diagnostics about the field as a whole.
    public var keys: [String: SourceLocation] = [:]
    /// The `namespaces:` key, for notes such as "namespaces are declared here".
    public var namespacesKey: SourceLocation? { keys["namespaces"] }
    public var hostname: Located<String>?
    public var domainname: Located<String>?
    public var uidMap: Located<[IDMapEntry]>?
    public var gidMap: Located<[IDMapEntry]>?
    public var setgroups: Located<SetgroupsPolicy>?
    public var root: Located<Root>?
    public var readonlyRoot: Located<Bool>?
    public var mounts: Located<[Mount]>?
    public var network: Network?
    public var process: Process?

    public init(location: SourceLocation) {
        self.location = location
    }

    public func namespace(_ kind: NamespaceKind) -> NamespaceEntry? {
        namespaces.first { $0.kind == kind }
    }

    /// True when the spec asks for a new namespace of this kind (not a join).
    public func creates(_ kind: NamespaceKind) -> Bool {
        namespace(kind).map { $0.path == nil } ?? false
    }
}

public enum NamespaceKind: String, CaseIterable, Sendable {
    case user, mount, uts, ipc, pid, net, cgroup, time
}

public struct NamespaceEntry: Sendable {
    public var kind: NamespaceKind
    /// Join the namespace at this path instead of creating one.
    public var path: Located<String>?
    public var location: SourceLocation
}

public enum SetgroupsPolicy: String, CaseIterable, Sendable { case deny, allow }

public struct IDMapEntry: Sendable {
    public enum Inside: Sendable, Hashable {
        case id(UInt32)
        /// The invoking user's own uid or gid, kept inside (bubblewrap's default).
        case caller

        /// The id when the spec gives it; nil for `self`, known only at run time.
        public var id: UInt32? {
            if case .id(let id) = self { return id }
            return nil
        }
    }

    public enum Outside: Sendable, Hashable {
        case id(UInt32)
        /// The invoking user's own uid or gid.
        case caller
        /// The caller's range from /etc/subuid or /etc/subgid, written by newuidmap/newgidmap.
        case subordinate
    }

    public var inside: Located<Inside>
    public var outside: Located<Outside>
    public var count: Located<UInt32>
    public var location: SourceLocation
}

public enum Root: Sendable {
    case host
    case tmpfs
    /// A host directory; with `overlay`, the lower layer of an overlay that takes the writes
    /// (the directory itself is never written).
    case directory(path: Located<String>, readonly: Located<Bool>?, overlay: Located<OverlayUpper>? = nil)
}
