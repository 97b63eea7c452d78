import Diagnostics

public enum MountType: String, CaseIterable, Sendable {
    case bind, tmpfs, proc, sysfs, dev, devpts, mqueue, dir, file, symlink

    /// The keys a mount of this type accepts besides `type`.
    public var keys: [String] {
        switch self {
        case .bind: ["source", "target", "readonly", "optional", "recursive", "nosuid", "nodev", "noexec", "propagation"]
        case .tmpfs: ["target", "size", "mode", "readonly", "nosuid", "nodev", "noexec"]
        case .proc, .dev, .devpts, .mqueue: ["target"]
        case .sysfs: ["target", "readonly"]
        case .dir: ["target", "mode"]
        case .file: ["target", "content", "mode"]
        case .symlink: ["target", "link"]
        }
    }

    public var requiredKeys: [String] {
        switch self {
        case .bind: ["source", "target"]
        case .tmpfs, .dir, .file: ["target"]
        case .symlink: ["target", "link"]
        case .proc, .sysfs, .dev, .devpts, .mqueue: []
        }
    }

    /// Where the filesystem goes when the spec does not say.
    public var defaultTarget: String? {
        switch self {
        case .proc: "/proc"
        case .sysfs: "/sys"
        case .dev: "/dev"
        case .devpts: "/dev/pts"
        case .mqueue: "/dev/mqueue"
        default: nil
        }
    }
}

public enum Propagation: String, CaseIterable, Sendable {
    case `private`, rprivate, slave, rslave, shared, rshared, unbindable, runbindable
}

/// A size in bytes, or a percentage of RAM (tmpfs only).
public enum Size: Sendable, Equatable {
    case bytes(UInt64)
    case percent(UInt8)
}

public struct Mount: Sendable {
    public var type: MountType
    public var location: SourceLocation
    /// The target as written; nil when the type's default applies.
    public var target: Located<String>?
    public var source: Located<String>?
    public var readonly: Located<Bool>?
    public var optional: Located<Bool>?
    public var recursive: Located<Bool>?
    public var nosuid: Located<Bool>?
    public var nodev: Located<Bool>?
    public var noexec: Located<Bool>?
    public var propagation: Located<Propagation>?
    public var size: Located<Size>?
    public var mode: Located<UInt32>?
    public var content: Located<String>?
    public var link: Located<String>?

    public init(type: MountType, location: SourceLocation) {
        self.type = type
        self.location = location
    }

    /// The target, written or defaulted, with the location to blame for it.
    public var effectiveTarget: Located<String>? {
        if let target { return target }
        return type.defaultTarget.map { Located($0, at: location) }
    }
}
