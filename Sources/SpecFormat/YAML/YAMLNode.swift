import Diagnostics

/// A YAML node that remembers where it was written. Built from libyaml's events by `YAMLReader`;
/// anchors, aliases, tags and merge keys never make it this far.
public indirect enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping([YAMLEntry], SourceLocation)
    case sequence([YAMLNode], SourceLocation)
    /// A node the reader already reported (an alias, a string holding NUL); the decoder skips it
    /// silently so that one mistake yields one diagnostic.
    case invalid(SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(let s): s.location
        case .mapping(_, let l), .sequence(_, let l), .invalid(let l): l
        }
    }
}

public struct YAMLEntry: Sendable {
    public var key: YAMLScalar
    public var value: YAMLNode
}

public struct YAMLScalar: Sendable {
    public enum Style: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

    public var text: String
    public var style: Style
    public var location: SourceLocation

    public var isPlain: Bool { style == .plain }
}
