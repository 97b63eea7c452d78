/// A system-call filter as a value: what the planner decides and `plan` shows, and what the
/// System module compiles to BPF (with libseccomp) and the sandbox loads. No dependencies.

/// What a filter does with a call.
public enum FilterAction: Sendable, Equatable, CustomStringConvertible {
    case allow
    /// Fails with EPERM.
    case deny
    /// Fails with ENOSYS, as if the kernel had no such call (so that glibc falls back).
    case notImplemented

    public var description: String {
        switch self {
        case .allow: "allow"
        case .deny: "EPERM"
        case .notImplemented: "ENOSYS"
        }
    }
}

/// A condition on one argument of a call: `(argument & mask) == value`. A 32-bit argument
/// (an int, an ioctl request) is compared under the mask 0xffffffff: the kernel ignores its
/// upper half, which a caller may fill with anything (CVE-2019-10063).
public struct ArgumentCondition: Sendable, Equatable, CustomStringConvertible {
    public var argument: UInt32
    public var mask: UInt64
    public var value: UInt64

    public init(argument: UInt32, mask: UInt64 = ~0, equals value: UInt64) {
        self.argument = argument
        self.mask = mask
        self.value = value
    }

    public var description: String {
        let arg = mask == ~0 ? "arg\(argument)" : "arg\(argument) & 0x\(String(mask, radix: 16))"
        return "\(arg) == 0x\(String(value, radix: 16))"
    }
}

/// Calls named `name`, with every condition true, get `action`. A name this architecture has
/// no call for is left out when the filter is compiled.
public struct FilterRule: Sendable, Equatable {
    public var name: String
    public var action: FilterAction
    public var conditions: [ArgumentCondition]

    public init(_ name: String, _ action: FilterAction, _ conditions: [ArgumentCondition] = []) {
        self.name = name
        self.action = action
        self.conditions = conditions
    }
}

/// A filter: its rules, and the action for any call no rule matches (and for every call of
/// another ABI of the architecture: x32 and i386 on x86_64).
public struct Filter: Sendable, Equatable {
    public var defaultAction: FilterAction
    public var rules: [FilterRule]

    public init(defaultAction: FilterAction, rules: [FilterRule]) {
        self.defaultAction = defaultAction
        self.rules = rules
    }
}
