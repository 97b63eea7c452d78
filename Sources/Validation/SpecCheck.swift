import Diagnostics
import SpecFormat

/// Read, decode, validate, sort: the one way from the bytes of a spec file to its diagnostics
/// and, when there are no errors, a `ValidatedSpec`. `validate`, `plan` and `run` all use it.
public enum SpecCheck {
    public struct Result: Sendable {
        /// The file's text, for snippets in rendered diagnostics.
        public let source: SourceText
        /// Every diagnostic, of the reader, the decoder and the rules, sorted by position.
        public let diagnostics: [Diagnostic]
        /// nil when any diagnostic is an error.
        public let spec: ValidatedSpec?
    }

    /// Checks `bytes` as the spec named `file`. `totalSize` is the file's real size when only a
    /// prefix was read (files over the limit are not read whole).
    public static func check(
        _ bytes: [UInt8], file: String, totalSize: Int? = nil, options: ValidationOptions = ValidationOptions(),
        limits: YAMLLimits = YAMLLimits()
    ) -> Result {
        let loaded = SpecLoader.load(bytes, file: file, totalSize: totalSize, limits: limits)
        let rules = loaded.spec.map { Validator.validate($0, options: options) } ?? []
        let diagnostics = (loaded.diagnostics + rules).sortedByLocation()
        let spec = diagnostics.hasErrors ? nil : loaded.spec.map(ValidatedSpec.init)
        return Result(source: loaded.source, diagnostics: diagnostics, spec: spec)
    }
}
