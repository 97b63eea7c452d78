/// What a scalar would be under YAML 1.2's core schema, plus the YAML 1.1 readings that make a
/// value mean different things to different tools. The decoder accepts only the unambiguous forms.
enum ScalarKind: Equatable {
    case null
    case bool(Bool)
    /// `True`, `FALSE`: booleans in YAML 1.2, but not the spelling a spec uses.
    case oddlyCasedBool(Bool)
    /// `yes`, `no`, `on`, `off`, `y`, `n`: booleans in YAML 1.1, strings in YAML 1.2.
    case yaml11Bool
    /// Plain decimal digits without a leading zero.
    case integer
    /// Number-like text that YAML readers disagree on; the associated text says why.
    case ambiguousNumber(String)
    case float
    case string

    init(_ scalar: YAMLScalar) {
        guard scalar.isPlain else {
            self = .string
            return
        }
        let t = scalar.text
        // Most scalars of a spec are words and paths ("bind", "/usr"): a first byte that starts no
        // special word (null, booleans of YAML 1.2 and 1.1) and no number settles it, without
        // the thirty comparisons below (~2,000 instructions a scalar, measured with callgrind).
        if let first = t.utf8.first, !Self.mayBeSpecial(first) {
            self = .string
            return
        }
        switch t {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true": self = .bool(true)
        case "false": self = .bool(false)
        case "True", "TRUE": self = .oddlyCasedBool(true)
        case "False", "FALSE": self = .oddlyCasedBool(false)
        // YAML 1.1's other boolean spellings (its bool type lists exactly these).
        case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF":
            self = .yaml11Bool
        default:
            self = Self.number(t)
        }
    }

    /// Whether a plain scalar starting with this byte can be anything but a string: `~`, the
    /// first letters of null/true/false/yes/no/on/off/y/n in any case, a digit, a sign or a dot.
    static func mayBeSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "~"),
             UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
             UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            true
        default:
            false
        }
    }

    /// YAML 1.1's base-60 integers: `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+` (`12:30` is 750).
    static func isSexagesimal(_ t: String) -> Bool {
        var parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        var head = parts.removeFirst()
        if head.hasPrefix("+") || head.hasPrefix("-") { head = head.dropFirst() }
        guard let first = head.first, ("1"..."9").contains(first),
              head.allSatisfy({ ("0"..."9").contains($0) || $0 == "_" }) else { return false }
        return parts.allSatisfy { p in
            (1...2).contains(p.count) && p.allSatisfy { ("0"..."9").contains($0) } && (p.count == 1 || p.first! <= "5")
        }
    }

    private static func number(_ t: String) -> ScalarKind {
        let u = Array(t.utf8)
        func digits(_ s: ArraySlice<UInt8>) -> Bool { !s.isEmpty && s.allSatisfy { $0 >= 48 && $0 <= 57 } }
        if digits(u[...]) {
            return u.count > 1 && u[0] == UInt8(ascii: "0")
                ? .ambiguousNumber("it has a leading zero, which YAML 1.1 reads as octal")
                : .integer
        }
        if (u.first == UInt8(ascii: "+") || u.first == UInt8(ascii: "-")) && digits(u.dropFirst()) {
            return .ambiguousNumber(u.first == UInt8(ascii: "-") ? "it is negative" : "it has a sign")
        }
        if u.count > 2 && u[0] == UInt8(ascii: "0") && [UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b")].contains(u[1]) {
            return .ambiguousNumber("it is written in base \(u[1] == UInt8(ascii: "x") ? 16 : u[1] == UInt8(ascii: "o") ? 8 : 2)")
        }
        if [".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"].contains(t) { return .float }
        // [-+]? ( . digits | digits [. digits*] ) ( [eE] [-+]? digits )?
        var i = 0
        if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) { i += 1 }
        let mantissaStart = i
        var sawDigit = false
        while i < u.count && u[i] >= 48 && u[i] <= 57 { i += 1; sawDigit = true }
        var sawDot = false
        if i < u.count && u[i] == UInt8(ascii: ".") {
            sawDot = true
            i += 1
            while i < u.count && u[i] >= 48 && u[i] <= 57 { i += 1; sawDigit = true }
        }
        guard sawDigit, i > mantissaStart else { return .string }
        var sawExponent = false
        if i < u.count && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
            i += 1
            if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) { i += 1 }
            let expStart = i
            while i < u.count && u[i] >= 48 && u[i] <= 57 { i += 1 }
            guard i > expStart else { return .string }
            sawExponent = true
        }
        guard i == u.count, sawDot || sawExponent else { return .string }
        return .float
    }
}

extension YAMLNode {
    /// How the node reads in a message: "a list", "the string 'abc'", "the integer 5".
    var found: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .invalid: return "an invalid value"
        case .scalar(let s):
            let shown = s.text.count > 40 ? String(s.text.prefix(37)) + "…" : s.text
            switch ScalarKind(s) {
            case .null: return s.text.isEmpty ? "an empty value" : "null ('\(s.text)')"
            case .bool, .oddlyCasedBool: return "the boolean '\(s.text)'"
            case .yaml11Bool: return "'\(s.text)'"
            case .integer, .ambiguousNumber: return "the number '\(shown)'"
            case .float: return "the number '\(shown)'"
            case .string:
                return s.style == .plain ? "the string '\(shown)'" : "the quoted string \"\(shown)\""
            }
        }
    }
}
