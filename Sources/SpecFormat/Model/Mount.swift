import Diagnostics

public enum MountType: String, CaseIterable, Sendable {
    case bind, tmpfs, proc, sysfs, dev, devpts, mqueue, dir, file, symlink, overlay

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
        case .overlay: ["target", "lower", "upper", "work"]
        }
    }

    public var requiredKeys: [String] {
        switch self {
        case .bind: ["source", "target"]
        case .tmpfs, .dir, .file: ["target"]
        case .symlink: ["target", "link"]
        case .overlay: ["target", "lower"]
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

/// Where an overlay's writes go: a tmpfs of its own, discarded when the sandbox ends, or two host
/// directories on one filesystem (`upper` keeps the writes, `work` is overlayfs's scratch space).
public enum OverlayUpper: Sendable, Equatable {
    case tmpfs
    case directory(upper: Located<String>, work: Located<String>)
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
    /// overlay: the lower layers, top first, as written (host paths, relative to the spec file).
    public var lower: Located<[Located<String>]>?
    /// overlay: where writes go; nil for a read-only union.
    public var upper: Located<OverlayUpper>?

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
