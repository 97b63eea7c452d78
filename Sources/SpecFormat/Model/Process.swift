import Diagnostics

public struct Process: Sendable {
    public var location: SourceLocation
    public var args: Located<[Located<String>]>?
    public var cwd: Located<String>?
    public var env: [(name: Located<String>, value: Located<String>)] = []
    public var passEnv: [Located<String>] = []
    public var uid: Located<UInt32>?
    public var gid: Located<UInt32>?
    public var groups: [Located<UInt32>] = []
    public var capabilities: [Located<String>] = []
    public var noNewPrivileges: Located<Bool>?
    public var rlimits: [Rlimit] = []
    public var initProcess: Located<Bool>?
    public var dieWithParent: Located<Bool>?
    /// `seccomp: default | unconfined | {profile, allow, deny}`; nil: the default profile.
    public var seccomp: Seccomp?
    /// Whether the process may make namespaces of its own (unshare, setns, clone's namespace
    /// flags), which the default profile refuses.
    public var nestedNamespaces: Located<Bool>?
    /// `terminal: auto | true | false`; nil: `auto`.
    public var terminal: Located<Terminal>?

    public init(location: SourceLocation) { self.location = location }
}

/// Whether the process gets a pseudo-terminal of the sandbox's own, which nsspec relays to its
/// own terminal: `auto` when nsspec's standard input is a terminal.
public enum Terminal: String, Sendable, CaseIterable {
    case auto
    case always = "true"
    case never = "false"
}

/// The system-call filter of the process.
public struct Seccomp: Sendable {
    public enum Profile: String, Sendable, CaseIterable {
        /// An allow-list (Docker's default profile, stricter in places): anything else is EPERM.
        case `default`
        /// No filter.
        case unconfined
    }

    public var location: SourceLocation
    /// nil: `default`.
    public var profile: Located<Profile>?
    /// Names allowed back out of the profile.
    public var allow: [Located<String>] = []
    /// More names denied, with EPERM.
    public var deny: [Located<String>] = []

    public init(location: SourceLocation, profile: Located<Profile>? = nil) {
        self.location = location
        self.profile = profile
    }
}

public struct Rlimit: Sendable {
    public enum Value: Sendable, Equatable {
        case limit(UInt64)
        case unlimited
    }

    public var name: Located<String>
    public var soft: Located<Value>
    public var hard: Located<Value>
}
