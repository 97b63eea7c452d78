/// Limits enforced while reading, before any model is built, so that hostile input costs
/// milliseconds and kilobytes.
public struct YAMLLimits: Sendable {
    public var maxFileBytes = 1 << 20
    public var maxDepth = 64
    public var maxCollectionItems = 4096
    /// After this many diagnostics in one file the reader stops; an alias bomb would otherwise
    /// print a screenful of identical complaints.
    public var maxDiagnostics = 100

    public init() {}
}
