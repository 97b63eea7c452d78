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

    public init(location: SourceLocation) { self.location = location }
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
