import Diagnostics

/// Typed readers over located YAML nodes. Each reader returns nil and records a diagnostic when the
/// node is not what the field needs; decoding goes on, so every mistake in a file is reported.
struct NodeDecoder {
    var diagnostics: [Diagnostic] = []

    // MARK: - mappings and lists

    /// The entries of a mapping whose keys were checked against `allowed`.
    struct Object {
        let entries: [YAMLEntry]
        let location: SourceLocation
        /// The keys that unknown keys were taken for (`source` for `src`): a required one of
        /// them is then not reported missing too — the unknown key's message already says it.
        var suggested: [String] = []

        subscript(_ key: String) -> YAMLNode? {
            entries.first { $0.key.text == key }?.value
        }

        func keyLocation(_ key: String) -> SourceLocation? {
            entries.first { $0.key.text == key }?.key.location
        }

        var keys: [String] { entries.map(\.key.text) }
    }

    /// Reads a mapping; unknown keys get an `unknown-key` error with a suggestion. `what` names the
    /// mapping in messages ("the spec", "a mount", "process").
    mutating func object(
        _ node: YAMLNode, _ key: String, allowed: [String], what: String,
        explainUnknown: (String) -> String? = { _ in nil }
    ) -> Object? {
        guard case .mapping(let entries, let location) = node else {
            wrongType(node, key, expected: "a mapping")
            return nil
        }
        var suggested: [String] = []
        for e in entries where !allowed.contains(e.key.text) {
            if let reason = explainUnknown(e.key.text) {
                diagnostics.append(.error("unknown-key", reason, at: e.key.location))
            } else {
                let meant = Synonyms.meant(e.key.text, in: allowed)
                if let meant { suggested.append(meant) }
                diagnostics.append(.error(
                    "unknown-key",
                    "unknown key '\(e.key.text)' in \(what)" + (meant.map { "; did you mean '\($0)'?" } ?? ""),
                    at: e.key.location))
            }
        }
        return Object(entries: entries, location: location, suggested: suggested)
    }

    /// The entries of a mapping whose keys are free-form (env, rlimits).
    mutating func entries(_ node: YAMLNode?, _ key: String) -> [YAMLEntry]? {
        guard let node else { return nil }
        guard case .mapping(let entries, _) = node else {
            wrongType(node, key, expected: "a mapping")
            return nil
        }
        return entries
    }

    mutating func require(_ keys: [String], in object: Object, what: String) {
        for key in keys where object[key] == nil && !object.suggested.contains(key) {
            diagnostics.append(.error(
                "missing-field", "\(what) needs '\(key)'", at: object.location))
        }
    }

    mutating func list(_ node: YAMLNode?, _ key: String) -> [YAMLNode]? {
        guard let node else { return nil }
        guard case .sequence(let items, _) = node else {
            wrongType(node, key, expected: "a list")
            return nil
        }
        return items
    }

    /// A list, or a single value standing for a list of one (`address: 10.0.0.2/24`).
    mutating func oneOrMany(_ node: YAMLNode?) -> [YAMLNode] {
        guard let node else { return [] }
        if case .sequence(let items, _) = node { return items }
        return [node]
    }

    // MARK: - scalars

    mutating func wrongType(_ node: YAMLNode, _ key: String, expected: String, hint: String? = nil) {
        if case .invalid = node { return }
        var hint = hint
        if hint == nil, case .scalar(let s) = node {
            switch ScalarKind(s) {
            case .null:
                hint = "give '\(key)' a value (\"\" for an empty string), or leave the key out"
            case .yaml11Bool:
                hint = "YAML 1.1 reads '\(s.text)' as a boolean and YAML 1.2 as a string; quote it if you mean the text"
            default: break
            }
        }
        diagnostics.append(.error("wrong-type", "'\(key)' must be \(expected), found \(node.found)", at: node.location, hint: hint))
    }

    mutating func string(_ node: YAMLNode?, _ key: String) -> Located<String>? {
        guard let node else { return nil }
        guard case .scalar(let s) = node else {
            wrongType(node, key, expected: "a string")
            return nil
        }
        switch ScalarKind(s) {
        case .string, .integer, .ambiguousNumber, .float:
            return Located(s.text, at: s.location)
        case .bool, .oddlyCasedBool:
            wrongType(node, key, expected: "a string", hint: "quote it if you mean the text \"\(s.text)\"")
        case .yaml11Bool, .null:
            wrongType(node, key, expected: "a string")
        }
        return nil
    }

    mutating func bool(_ node: YAMLNode?, _ key: String) -> Located<Bool>? {
        guard let node else { return nil }
        guard case .scalar(let s) = node else {
            wrongType(node, key, expected: "a boolean (true or false)")
            return nil
        }
        switch ScalarKind(s) {
        case .bool(let b):
            return Located(b, at: s.location)
        case .oddlyCasedBool(let b):
            diagnostics.append(.error(
                "ambiguous-boolean", "'\(key)' must be true or false in lower case, found '\(s.text)'",
                at: s.location, hint: "write \(b)"))
        case .yaml11Bool:
            let meant = ["yes", "on", "y"].contains(s.text.lowercased())
            diagnostics.append(.error(
                "ambiguous-boolean", "'\(key)' must be true or false, found '\(s.text)'", at: s.location,
                hint: "YAML 1.1 reads '\(s.text)' as \(meant) and YAML 1.2 as a string; write \(meant)"))
        case .string where !s.isPlain && (s.text == "true" || s.text == "false"):
            wrongType(node, key, expected: "a boolean (true or false)", hint: "remove the quotes")
        default:
            wrongType(node, key, expected: "a boolean (true or false)")
        }
        return nil
    }

    /// A non-negative decimal integer written plainly, within `range`.
    mutating func integer(
        _ node: YAMLNode?, _ key: String, range: ClosedRange<UInt64>, expected: String
    ) -> Located<UInt64>? {
        guard let node else { return nil }
        guard case .scalar(let s) = node else {
            wrongType(node, key, expected: expected)
            return nil
        }
        switch ScalarKind(s) {
        case .integer:
            guard let v = UInt64(s.text), range.contains(v) else {
                diagnostics.append(.error(
                    "out-of-range", "'\(key)' must be \(expected), found \(s.text)", at: s.location))
                return nil
            }
            return Located(v, at: s.location)
        case .ambiguousNumber where s.text.hasPrefix("-"):
            diagnostics.append(.error("out-of-range", "'\(key)' must be \(expected), found \(s.text)", at: s.location))
        case .ambiguousNumber(let why):
            diagnostics.append(.error(
                "ambiguous-number", "'\(key)' must be a plain decimal integer; '\(s.text)' is not: \(why)",
                at: s.location, hint: Self.plainDecimalHint(s.text)))
        case .float:
            diagnostics.append(.error(
                "ambiguous-number", "'\(key)' must be \(expected), found the number '\(s.text)'", at: s.location,
                hint: Self.plainDecimalHint(s.text)))
        case .string where !s.isPlain && !s.text.isEmpty && s.text.allSatisfy({ $0.isASCII && $0.isNumber }):
            wrongType(node, key, expected: expected, hint: "remove the quotes")
        default:
            wrongType(node, key, expected: expected)
        }
        return nil
    }

    /// "write 1" for `01`, `+1`, `1.0`; nothing when there is no obvious decimal spelling.
    static func plainDecimalHint(_ text: String) -> String? {
        var t = Substring(text)
        if t.hasPrefix("+") { t = t.dropFirst() }
        if t.hasPrefix("0x") || t.hasPrefix("0o") || t.hasPrefix("0b") {
            let radix = t.hasPrefix("0x") ? 16 : t.hasPrefix("0o") ? 8 : 2
            return UInt64(t.dropFirst(2), radix: radix).map { "write it in decimal: \($0)" }
        }
        if let dot = t.firstIndex(of: "."), t[t.index(after: dot)...].allSatisfy({ $0 == "0" }) {
            t = t[..<dot]
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt64(t) else { return nil }
        return "write \(v)"
    }

    /// A uid or gid: 0 … 2^32-2 (2^32-1 is the kernel's "no id").
    mutating func id(_ node: YAMLNode?, _ key: String) -> Located<UInt32>? {
        integer(node, key, range: 0...4_294_967_294, expected: "an id from 0 to 4294967294")
            .map { Located(UInt32($0.value), at: $0.location) }
    }

    /// One of a fixed set of words, with a suggestion for a near miss.
    mutating func word<E: RawRepresentable & CaseIterable>(
        _ node: YAMLNode?, _ key: String, _: E.Type, noun: String? = nil
    ) -> Located<E>? where E.RawValue == String {
        guard let node else { return nil }
        // The choices are listed only in messages: a valid spec never builds them.
        var choices: [String] { E.allCases.map(\.rawValue) }
        var listed: String { choices.map { "'\($0)'" }.joined(separator: ", ") }
        guard case .scalar(let s) = node, ScalarKind(s) == .string || ScalarKind(s) == .integer else {
            wrongType(node, key, expected: "one of \(listed)")
            return nil
        }
        guard let value = E(rawValue: s.text) else {
            diagnostics.append(.error(
                "unknown-value",
                "'\(s.text)' is not \(noun ?? "a valid '\(key)'")" + Synonyms.didYouMean(s.text, in: choices),
                at: s.location, hint: "expected one of \(listed)"))
            return nil
        }
        return Located(value, at: s.location)
    }

    /// A permission mode: a quoted octal string of 3 or 4 digits.
    mutating func mode(_ node: YAMLNode?, _ key: String) -> Located<UInt32>? {
        guard let node else { return nil }
        guard case .scalar(let s) = node else {
            wrongType(node, key, expected: "a quoted octal string like \"0755\"")
            return nil
        }
        switch ScalarKind(s) {
        case .integer, .ambiguousNumber:
            let digits = s.text.count < 4 ? "0" + s.text : s.text
            diagnostics.append(.error(
                "ambiguous-mode",
                "unquoted mode \(s.text) is ambiguous: YAML 1.1 reads it as octal, YAML 1.2 as decimal",
                at: s.location, hint: "quote it: \"\(digits)\""))
            return nil
        case .string:
            let ok = (3...4).contains(s.text.count) && s.text.allSatisfy { ("0"..."7").contains($0) }
            guard ok, let v = UInt32(s.text, radix: 8) else {
                diagnostics.append(.error(
                    "invalid-mode", "'\(s.text)' is not a mode; write 3 or 4 octal digits like \"0755\"",
                    at: s.location))
                return nil
            }
            return Located(v, at: s.location)
        default:
            wrongType(node, key, expected: "a quoted octal string like \"0755\"")
            return nil
        }
    }

    static let sizeSuffixes: [(String, UInt64)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
        ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
    ]

    /// A size in bytes: `4096`, `64Mi`, `1G`; with `percent`, also `50%` (tmpfs).
    mutating func size(_ node: YAMLNode?, _ key: String, percent: Bool = false) -> Located<Size>? {
        guard let node else { return nil }
        let expected = percent ? "a size like 64Mi or a percentage like 50%" : "a size like 64Mi"
        guard case .scalar(let s) = node else {
            wrongType(node, key, expected: expected)
            return nil
        }
        switch ScalarKind(s) {
        case .integer:
            return integer(node, key, range: 0...UInt64.max, expected: "a size").map { Located(.bytes($0.value), at: $0.location) }
        case .ambiguousNumber, .float:
            _ = integer(node, key, range: 0...UInt64.max, expected: "a size")
            return nil
        case .string:
            break
        default:
            wrongType(node, key, expected: expected)
            return nil
        }
        let t = s.text
        if percent, t.hasSuffix("%") {
            let digits = t.dropLast()
            if digits.allSatisfy({ $0.isASCII && $0.isNumber }), let p = UInt8(digits), (1...100).contains(p), !digits.hasPrefix("0") {
                return Located(.percent(p), at: s.location)
            }
            diagnostics.append(.error("invalid-size", "'\(t)' is not a percentage from 1% to 100%", at: s.location))
            return nil
        }
        let digitsEnd = t.firstIndex { !($0.isASCII && $0.isNumber) } ?? t.endIndex
        let digits = t[..<digitsEnd]
        let suffix = String(t[digitsEnd...])
        let multiplier = suffix.isEmpty ? 1 : Self.sizeSuffixes.first { $0.0 == suffix }?.1
        if multiplier != nil, !digits.isEmpty, !digits.hasPrefix("0"), UInt64(digits) == nil {
            diagnostics.append(.error("out-of-range", "'\(t)' is too large", at: s.location))
            return nil
        }
        guard !digits.isEmpty, !(digits.count > 1 && digits.hasPrefix("0")), let multiplier, let n = UInt64(digits) else {
            var hint = "use a number with k, M, G, T (×1000) or Ki, Mi, Gi, Ti (×1024), e.g. 64Mi"
            if !digits.isEmpty, let letter = suffix.first?.uppercased(), "KMGT".contains(letter) {
                let k = letter == "K" ? "k" : letter
                hint = "did you mean \(digits)\(k) (×1000) or \(digits)\(letter)i (×1024)?"
            }
            diagnostics.append(.error("invalid-size", "'\(t)' is not a size", at: s.location, hint: hint))
            return nil
        }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: multiplier)
        guard !overflow else {
            diagnostics.append(.error("out-of-range", "'\(t)' is too large", at: s.location))
            return nil
        }
        return Located(.bytes(bytes), at: s.location)
    }
}
