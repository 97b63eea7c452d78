import Diagnostics

/// One spec file read, decoded and ready for validation, with its text kept for snippets.
public struct LoadedSpec: Sendable {
    public var source: SourceText
    /// nil when the YAML could not be read or was not a mapping.
    public var spec: Spec?
    public var diagnostics: [Diagnostic]
}

public enum SpecLoader {
    /// Reads and decodes `bytes` as the spec named `file`. `totalSize` is the file's real size when
    /// only a prefix was read (files over the limit are not read whole).
    public static func load(_ bytes: [UInt8], file: String, totalSize: Int? = nil, limits: YAMLLimits = YAMLLimits())
        -> LoadedSpec
    {
        let read = YAMLReader.read(bytes, file: file, totalSize: totalSize, limits: limits)
        // A file refused for its size is not kept for snippets; one with invalid UTF-8 is shown
        // with U+FFFD where the bad bytes are.
        let text = read.diagnostics.contains { $0.rule == "file-too-large" } ? "" : String(decoding: bytes, as: UTF8.self)
        var diagnostics = read.diagnostics
        var spec: Spec?
        if let root = read.root {
            let (decoded, more) = SpecDecoder.decode(root)
            spec = decoded
            diagnostics += more
        }
        return LoadedSpec(source: SourceText(name: file, text: text), spec: spec, diagnostics: diagnostics)
    }
}
