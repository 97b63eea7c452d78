import Diagnostics
import SpecFormat

/// Overlays (`type: overlay` mounts and `root: {path, overlay}`): overlayfs refuses, or
/// misbehaves on, layers that contain each other — a lower inside another lower, the upper or
/// work directory inside a lower (writes would show through, or loop), work inside upper. Paths
/// are compared as written, relative ones from the spec file's directory, with `.` and `..`
/// resolved by name (symlinks are the host's business, checked by the kernel at run time).
let overlayRules: [Rule] = [
    Rule("overlay-layers", "an overlay's lower, upper and work directories do not contain one another") { spec, _ in
        var out: [Diagnostic] = []
        for overlay in Overlays.of(spec) {
            var seen: [(path: [String], layer: Located<String>, what: String)] = []
            var layers = overlay.lower.map { ($0, "lower \($0.value)") }
            if case .directory(let upper, let work)? = overlay.upper?.value {
                layers += [(upper, "upper \(upper.value)"), (work, "work \(work.value)")]
            }
            for (layer, what) in layers {
                let path = Overlays.normalized(layer.value, from: spec.file)
                if let other = seen.first(where: { Overlays.related($0.path, path) }) {
                    let how = other.path == path ? "is the same directory as" : other.path.count < path.count ? "is inside" : "contains"
                    out.append(.error(
                        "overlay-layers", "the overlay's \(what) \(how) its \(other.what)", at: layer.location,
                        notes: [.init("the \(other.what) is here", at: other.layer.location)],
                        hint: "overlayfs needs its layers apart: no directory of an overlay inside another of the same overlay"))
                }
                seen.append((path, layer, what))
            }
            if let readonly = overlay.readonly, readonly.value, let upper = overlay.upper {
                out.append(.error(
                    "overlay-layers", "a root with an overlay takes writes in its upper layer; readonly: true contradicts it",
                    at: readonly.location, notes: [.init("the overlay is here", at: upper.location)],
                    hint: "for a read-only root, use readonlyRoot: true (mount points are still made in the upper layer) or drop overlay"))
            }
        }
        return out
    },
]

/// Every overlay of a spec, mount or root, as its layers.
enum Overlays {
    struct Layers {
        var lower: [Located<String>]
        var upper: Located<OverlayUpper>?
        var readonly: Located<Bool>?
    }

    static func of(_ spec: Spec) -> [Layers] {
        var out: [Layers] = []
        if case .directory(let path, let readonly, let overlay?)? = spec.root?.value {
            out.append(Layers(lower: [path], upper: overlay, readonly: readonly))
        }
        for m in mounts(spec) where m.type == .overlay {
            out.append(Layers(lower: m.lower?.value ?? [], upper: m.upper, readonly: nil))
        }
        return out
    }

    /// The path's components, relative ones after the spec file's directory, `.` and `..` resolved
    /// by name (a `..` above the start is kept, so that `../a` and `a` stay apart).
    static func normalized(_ path: String, from file: String) -> [String] {
        let absolute = path.hasPrefix("/") || file.hasPrefix("/")
        var out: [String] = []
        func walk(_ text: Substring) {
            for part in text.split(separator: "/") {
                switch part {
                case ".": continue
                case "..":
                    if let last = out.last, last != ".." { out.removeLast() } else if !absolute { out.append("..") }
                default: out.append(String(part))
                }
            }
        }
        if !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") { walk(file[..<slash]) }
        walk(Substring(path))
        return (absolute ? ["/"] : []) + out
    }

    /// One path is the other, or inside it.
    static func related(_ a: [String], _ b: [String]) -> Bool {
        let n = min(a.count, b.count)
        return Array(a.prefix(n)) == Array(b.prefix(n))
    }
}
