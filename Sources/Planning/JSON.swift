import Diagnostics

/// A JSON value written deterministically: object keys in the order given, no floats, strings
/// escaped as every JSON output of nsspec escapes them, two-space indentation. For `nsspec export`,
/// whose output must be byte-identical for the same spec on the same host.
public indirect enum JSON: Sendable, Equatable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)

    public static func == (a: JSON, b: JSON) -> Bool { a.rendered() == b.rendered() }

    public func rendered() -> String {
        var out = ""
        write(to: &out, indent: "")
        out += "\n"
        return out
    }

    func write(to out: inout String, indent: String) {
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in members.enumerated() {
                out += indent + "  "
                Self.quote(key, into: &out)
                out += ": "
                value.write(to: &out, indent: indent + "  ")
                out += i == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            // Short scalar lists on one line, as people write them.
            if items.allSatisfy({ if case .string(let s) = $0 { s.utf8.count < 40 } else if case .object = $0 { false } else if case .array = $0 { false } else { true } })
                && items.count <= 8 {
                out += "["
                for (i, item) in items.enumerated() {
                    item.write(to: &out, indent: indent)
                    if i < items.count - 1 { out += ", " }
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += indent + "  "
                item.write(to: &out, indent: indent + "  ")
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .string(let s): Self.quote(s, into: &out)
        case .int(let n): out += String(n)
        case .uint(let n): out += String(n)
        case .bool(let b): out += b ? "true" : "false"
        }
    }

    /// RFC 8259's escapes, and the controls and invisible characters escaped as every JSON
    /// output of nsspec does (DiagnosticRenderer.jsonString).
    static func quote(_ s: String, into out: inout String) {
        out += DiagnosticRenderer.jsonString(s)
    }
}
