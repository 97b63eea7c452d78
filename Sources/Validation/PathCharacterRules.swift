import Diagnostics
import SpecFormat

/// Control characters in a path: invisible in a terminal, or moving the cursor and reordering
/// text (ESC, newline, U+2028, U+202E), so that a path a reviewer reads is not the path used;
/// and echoed raw by tools that print it. The diagnostic shows each one escaped.
let pathCharacterRules: [Rule] = [
    Rule("path-control-character", "paths hold no control, line-separator or bidirectional-formatting characters") { spec, _ in
        specPaths(spec).compactMap { what, path in
            guard let bad = path.value.unicodeScalars.first(where: PathCharacters.isControl) else { return nil }
            return .error("path-control-character",
                          "\(what) '\(PathCharacters.escaped(path.value))' holds the control character \(PathCharacters.name(bad))",
                          at: path.location, hint: "write the path without it; no file name needs one")
        }
    },
    // A shell expands `~`; YAML and nsspec do not. `~/src` as a bind source is a directory named
    // `~` next to the spec, and as a target or cwd it is not absolute.
    Rule("path-tilde", "a path does not start with '~', which YAML does not expand") { spec, _ in
        specPaths(spec).compactMap { what, path in
            guard path.value.hasPrefix("~") else { return nil }
            let relative = what == "bind source" || what == "root path"
            return .warning("path-tilde",
                            "\(what) '\(PathCharacters.escaped(path.value))' starts with '~', which is not your home directory here: "
                                + "YAML and nsspec do not expand it" + (relative ? ", so it names a '~' beside the spec file" : ""),
                            at: path.location,
                            hint: relative ? "write the path in full (/home/NAME/…), or relative to the spec file's directory"
                                : "write the path in full")
        }
    },
]

/// Every path a spec names, with what it is.
func specPaths(_ spec: Spec) -> [(what: String, path: Located<String>)] {
    var paths: [(what: String, path: Located<String>)] = []
    for m in mounts(spec) {
        if let t = m.target { paths.append(("mount target", t)) }
        if let s = m.source { paths.append(("bind source", s)) }
        if let l = m.link { paths.append(("symlink link", l)) }
        for l in m.lower?.value ?? [] { paths.append(("overlay lower", l)) }
        if case .directory(let upper, let work)? = m.upper?.value { paths += [("overlay upper", upper), ("overlay work", work)] }
    }
    if case .directory(let path, _, let overlay)? = spec.root?.value {
        paths.append(("root path", path))
        if case .directory(let upper, let work)? = overlay?.value { paths += [("overlay upper", upper), ("overlay work", work)] }
    }
    for ns in spec.namespaces { if let p = ns.path { paths.append(("namespace path", p)) } }
    if let cwd = spec.process?.cwd { paths.append(("cwd", cwd)) }
    return paths
}

enum PathCharacters {
    /// C0 and C1 controls (tab too), DEL, the line and paragraph separators, and the
    /// bidirectional formatting characters (embeddings, overrides, isolates, marks): the
    /// characters a diagnostic shows escaped (`TerminalText`).
    static func isControl(_ c: Unicode.Scalar) -> Bool { TerminalText.isUnsafe(c) }

    /// "U+001B"
    static func name(_ c: Unicode.Scalar) -> String {
        let hex = String(c.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The path with each control character written as in a snippet (`\x1b`, `\u{202e}`), a
    /// tab as `\x09`, so the message is safe to print and shows every one.
    static func escaped(_ path: String) -> String { TerminalText.escaped(path, keepTabs: false) }
}
