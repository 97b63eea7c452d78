import SpecFormat

/// A spec that decoded without an error and that no rule found an error in. Only
/// `SpecCheck.check` makes one, so a function taking a `ValidatedSpec` need not handle what
/// validation rules out (a bind mount without a source, a veth without a name, …).
public struct ValidatedSpec: Sendable {
    /// The spec as decoded (warnings may have been reported about it, errors not).
    public let spec: Spec

    init(_ spec: Spec) {
        self.spec = spec
    }
}
