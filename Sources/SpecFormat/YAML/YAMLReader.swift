import CYAML
import Diagnostics

/// Reads one YAML document through libyaml's event API into located nodes, rejecting what a spec
/// must not contain: duplicate keys, anchors, aliases, merge keys, tags, more than one document,
/// NUL in strings, invalid UTF-8, and input over the size, depth and width limits.
public enum YAMLReader {
    public struct Result: Sendable {
        /// The document's root, or nil when nothing usable was read.
        public var root: YAMLNode?
        public var diagnostics: [Diagnostic]
    }

    public static func read(_ bytes: [UInt8], file: String, totalSize: Int? = nil, limits: YAMLLimits = YAMLLimits())
        -> Result
    {
        var reader = EventReader(file: file, bytes: bytes, totalSize: totalSize ?? bytes.count, limits: limits)
        reader.run()
        return Result(root: reader.root, diagnostics: reader.diagnostics)
    }
}

/// Thrown inside the reader to stop at a limit or at libyaml's own error.
private struct StopReading: Error {}

private final class Frame {
    let isMapping: Bool
    let location: SourceLocation
    var items: [YAMLNode] = []
    var entries: [YAMLEntry] = []
    var awaitingValue = false
    var pendingKey: YAMLScalar?
    var count = 0
    /// The keys so far, to find duplicates: a short list while the mapping is small (most of a
    /// spec's have a handful of keys, and hashing them cost more than comparing), a dictionary
    /// beyond 16, so that a huge mapping stays linear.
    private var keyList: [YAMLScalar] = []
    private var keyIndex: [String: SourceLocation]?

    init(isMapping: Bool, location: SourceLocation) {
        self.isMapping = isMapping
        self.location = location
    }

    func firstLocation(of key: String) -> SourceLocation? {
        if let keyIndex { return keyIndex[key] }
        for k in keyList where k.text == key { return k.location }
        return nil
    }

    func remember(_ key: YAMLScalar) {
        if keyIndex != nil {
            keyIndex?[key.text] = key.location
            return
        }
        keyList.append(key)
        if keyList.count > 16 {
            var index: [String: SourceLocation] = [:]
            for k in keyList { index[k.text] = k.location }
            keyIndex = index
            keyList = []
        }
    }
}

private struct EventReader {
    let file: String
    let bytes: [UInt8]
    let totalSize: Int
    let limits: YAMLLimits
    var root: YAMLNode?
    var diagnostics: [Diagnostic] = []
    private var stack: [Frame] = []
    private var documents = 0
    /// Alias name -> (index of its diagnostic, number of uses).
    private var aliasUses: [String: (Int, Int)] = [:]
    /// Byte order marks in the file after its first character, where they stand.
    private var strayBOMs: [SourceLocation] = []
    /// The spans (start, end) of the strings reported for holding one.
    private var bomStrings: [(SourceLocation, SourceLocation)] = []

    init(file: String, bytes: [UInt8], totalSize: Int, limits: YAMLLimits) {
        self.file = file
        self.bytes = bytes
        self.totalSize = totalSize
        self.limits = limits
    }

    mutating func run() {
        do {
            try checkSizeAndEncoding()
            strayBOMs = findStrayBOMs()
            defer { reportStrayBOMs() }
            try parse()
        } catch {
            root = nil
            return
        }
        if let r = root, case .scalar(let s) = r, s.isPlain, ["", "~", "null", "Null", "NULL"].contains(s.text) {
            root = nil
        }
        if root == nil && !diagnostics.hasErrors {
            diagnostics.append(.error(
                "empty-document", "the spec is empty", at: SourceLocation(file: file, line: 1, column: 1),
                hint: "a spec needs at least `version: 1`"))
        }
    }

    // MARK: - before libyaml

    private mutating func checkSizeAndEncoding() throws(StopReading) {
        if totalSize > limits.maxFileBytes {
            try fatal(.error(
                "file-too-large",
                "the file is \(totalSize) bytes; a spec may be at most \(limits.maxFileBytes) bytes (1 MiB)",
                at: SourceLocation(file: file, line: 1, column: 1)))
        }
        if let bad = firstInvalidUTF8(bytes) {
            let hex = String(bytes[bad], radix: 16, uppercase: true)
            try fatal(.error(
                "invalid-utf8", "invalid UTF-8: byte 0x\(hex.count == 1 ? "0" + hex : hex) cannot appear here",
                at: location(ofByte: bad), hint: "specs are read as UTF-8; re-save the file in UTF-8"))
        }
    }

    /// The offset of the first byte that is not part of a well-formed UTF-8 sequence.
    private func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            let (need, low, high): (Int, UInt8, UInt8)
            switch c {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: (need, low, high) = (1, 0x80, 0xBF)
            case 0xE0: (need, low, high) = (2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (need, low, high) = (2, 0x80, 0xBF)
            case 0xED: (need, low, high) = (2, 0x80, 0x9F)
            case 0xF0: (need, low, high) = (3, 0x90, 0xBF)
            case 0xF1...0xF3: (need, low, high) = (3, 0x80, 0xBF)
            case 0xF4: (need, low, high) = (3, 0x80, 0x8F)
            default: return i
            }
            guard i + need < b.count, (low...high).contains(b[i + 1]) else { return i }
            for k in 2..<(need + 1) where !(0x80...0xBF).contains(b[i + k]) { return i }
            i += need + 1
        }
        return nil
    }

    /// Line and column (in Unicode scalars) of a byte offset, for errors found outside libyaml.
    private func location(ofByte offset: Int) -> SourceLocation {
        var at = SourceLocation(file: file, line: 1, column: 1)
        walk { i, location in
            if i <= offset { at = location }
            return i < offset
        }
        return at
    }

    /// Calls `visit` with each byte offset from the start (after a byte order mark there) and
    /// the line and column of the character it is part of, while `visit` returns true, and once
    /// more at the end. Lines end where libyaml ends them: LF, CR, CRLF, NEL, LS, PS.
    private func walk(_ visit: (Int, SourceLocation) -> Bool) {
        var line = 1
        var column = 1
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count {
            guard visit(i, SourceLocation(file: file, line: line, column: column)) else { return }
            let b = bytes[i]
            var length = 1
            if b >= 0xC0 {
                while i + length < bytes.count, bytes[i + length] & 0xC0 == 0x80, length < 4 { length += 1 }
            }
            let isBreak =
                b == 0x0A || (b == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A))
                || (b == 0xC2 && length == 2 && bytes[i + 1] == 0x85)
                || (b == 0xE2 && length == 3 && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9))
            if isBreak {
                line += 1
                column = 1
            } else if b != 0x0D {
                column += 1
            }
            i += length
        }
        _ = visit(bytes.count, SourceLocation(file: file, line: line, column: column))
    }

    /// Byte order marks after the file's first character: YAML allows one only at the start of
    /// the stream. libyaml skips one at the start of a line (where other YAML readers make it
    /// part of the next key or value) and keeps one elsewhere in a string. At most as many as
    /// the file may have diagnostics.
    private func findStrayBOMs() -> [SourceLocation] {
        guard bytes.count > 3, bytes.dropFirst().contains(0xEF) else { return [] }
        var found: [SourceLocation] = []
        walk { i, location in
            if i > 0, i + 2 < bytes.count, bytes[i] == 0xEF, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF {
                found.append(location)
            }
            return found.count < limits.maxDiagnostics
        }
        return found
    }

    /// The stray byte order marks that no string reported as holding one.
    private mutating func reportStrayBOMs() {
        for bom in strayBOMs where diagnostics.count < limits.maxDiagnostics {
            let inString = bomStrings.contains { start, end in !(bom < start) && bom < end }
            guard !inString else { continue }
            diagnostics.append(.error(
                "byte-order-mark", "a byte order mark (U+FEFF) is allowed only as the first character of the file", at: bom,
                hint: "remove it: it is invisible, and YAML readers differ on what it means here (one is often left where two files were joined)"))
        }
    }

    // MARK: - libyaml events

    private mutating func parse() throws(StopReading) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            try fatal(.error("yaml-syntax", "libyaml could not be initialised (out of memory)",
                             at: SourceLocation(file: file, line: 1, column: 1)))
        }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeBufferPointer { (buffer) throws(StopReading) in
            // No explicit encoding: libyaml's detection skips a UTF-8 byte order mark (UTF-16
            // input never gets here; it is not valid UTF-8).
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    try fatal(syntaxError(parser))
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try handle(event)
            }
        }
    }

    private func mark(_ m: yaml_mark_t, end: yaml_mark_t? = nil) -> SourceLocation {
        var length = 1
        if let end, end.line == m.line, end.column > m.column { length = end.column - m.column }
        return SourceLocation(file: file, line: m.line + 1, column: m.column + 1, length: length)
    }

    private mutating func handle(_ event: yaml_event_t) throws(StopReading) {
        let at = mark(event.start_mark, end: event.end_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                try fatal(.error(
                    "multiple-documents", "a spec file holds one YAML document; a second one starts here",
                    at: at, hint: "split the documents into separate files"))
            }
            try checkTagDirectives(event)
        case YAML_ALIAS_EVENT:
            // Each alias name is reported once, at its first use, with a count: an alias bomb
            // would otherwise bury the file's other mistakes under identical lines.
            let name = cString(event.data.alias.anchor)
            if let (index, uses) = aliasUses[name] {
                aliasUses[name] = (index, uses + 1)
                diagnostics[index].message = "aliases are not allowed in a spec (*\(name), used \(uses + 1) times)"
            } else {
                aliasUses[name] = (diagnostics.count, 1)
                try report(.error(
                    "alias", "aliases are not allowed in a spec (*\(name))", at: at,
                    hint: "write the value out where it is used"))
            }
            try add(.invalid(at))
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            if try checkAnchorAndTag(anchor: s.anchor, tag: s.tag, at: at) {
                // A tagged scalar would otherwise get a second complaint about its type.
                try add(.invalid(at))
                return
            }
            let value = UnsafeBufferPointer(start: s.value, count: s.length)
            if let nul = value.firstIndex(of: 0) {
                try report(.error(
                    "nul-in-string", "this string holds a NUL byte (at character \(nul + 1)), which would cut it short",
                    at: at, hint: "remove the \\0 escape"))
                try add(.invalid(at))
                return
            }
            if let bom = firstBOM(value) {
                let end = mark(event.end_mark)
                bomStrings.append((at, end))
                try report(.error(
                    "byte-order-mark",
                    "this string holds a byte order mark (U+FEFF, at character \(bom)), an invisible character",
                    at: at, hint: "remove it (or the \\uFEFF escape); a byte order mark belongs only at the very start of the file"))
                try add(.invalid(at))
                return
            }
            let style: YAMLScalar.Style =
                switch s.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
            try add(.scalar(YAMLScalar(text: String(decoding: value, as: UTF8.self), style: style, location: at)))
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            if isMapping {
                try checkAnchorAndTag(anchor: event.data.mapping_start.anchor, tag: event.data.mapping_start.tag, at: at)
            } else {
                try checkAnchorAndTag(anchor: event.data.sequence_start.anchor, tag: event.data.sequence_start.tag, at: at)
            }
            if stack.count >= limits.maxDepth {
                try fatal(.error(
                    "nesting-too-deep", "nesting is deeper than \(limits.maxDepth) levels", at: at,
                    hint: "a spec never needs more than a few levels; this input is malformed or hostile"))
            }
            let start = SourceLocation(file: file, line: at.line, column: at.column)
            stack.append(Frame(isMapping: isMapping, location: start))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            try add(frame.isMapping ? .mapping(frame.entries, frame.location) : .sequence(frame.items, frame.location))
        default:
            break  // stream start, document end
        }
    }

    /// %TAG directives: a spec has no tags, so a tag shorthand only hides what a tag in the file
    /// would mean. Each is reported at its line (libyaml gives the directives of a document
    /// without their positions; they are the lines starting with `%TAG` before its `---`).
    /// %YAML 1.1 and 1.2 are accepted: nsspec reads a scalar the same under either (it refuses
    /// every form on which they differ), and libyaml refuses any other version.
    private mutating func checkTagDirectives(_ event: yaml_event_t) throws(StopReading) {
        let tags = event.data.document_start.tag_directives
        guard var tag = tags.start, tag != tags.end else { return }
        let source = SourceText(name: file, text: String(decoding: bytes, as: UTF8.self))
        let first = event.start_mark.line + 1
        let last = event.end_mark.line + 1
        var lines = (first...max(first, last)).filter { n in
            guard let text = source.line(n), text.hasPrefix("%TAG") else { return false }
            return text.dropFirst(4).first.map { $0 == " " || $0 == "\t" } ?? false
        }.makeIterator()
        while let end = tags.end, tag != end {
            let written = "%TAG \(cString(tag.pointee.handle)) \(cString(tag.pointee.prefix))"
            let line = lines.next() ?? first
            try report(.error(
                "yaml-directive", "%TAG directives are not allowed in a spec (\(written))",
                at: SourceLocation(file: file, line: line, column: 1, length: 4),
                hint: "remove it: a spec uses no tags, so it needs no tag shorthands"))
            tag += 1
        }
    }

    /// A directive line as written, without a comment: "%YAML 1.3".
    private func directive(atLine line: Int) -> String {
        let source = SourceText(name: file, text: String(decoding: bytes, as: UTF8.self))
        guard let text = source.line(line) else { return "%" }
        var out = ""
        for c in text {
            if c == "#" && (out.last == " " || out.last == "\t") { break }
            out.append(c)
        }
        while out.last == " " || out.last == "\t" { out.removeLast() }
        return out
    }

    /// Reports an anchor or a tag on a node; true when there was a tag.
    @discardableResult
    private mutating func checkAnchorAndTag(
        anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?, at: SourceLocation
    ) throws(StopReading) -> Bool {
        if anchor != nil {
            try report(.error(
                "anchor", "anchors are not allowed in a spec (&\(cString(anchor)))", at: at,
                hint: "write each value out where it is used"))
        }
        guard tag != nil else { return false }
        // Shown as written: libyaml hands over `!!str` resolved to `tag:yaml.org,2002:str`.
        var written = cString(tag)
        if written.hasPrefix("tag:yaml.org,2002:") { written = "!!" + written.dropFirst(18) }
        try report(.error(
            "tag", "tags are not allowed in a spec (\(written))", at: at,
            hint: "remove the tag; every field has one fixed type"))
        return true
    }

    private mutating func add(_ node: YAMLNode) throws(StopReading) {
        guard let top = stack.last else {
            root = node
            return
        }
        if top.isMapping && top.awaitingValue {
            if let key = top.pendingKey { top.entries.append(YAMLEntry(key: key, value: node)) }
            top.awaitingValue = false
            top.pendingKey = nil
            return
        }
        top.count += 1
        if top.count > limits.maxCollectionItems {
            try fatal(.error(
                "too-many-items",
                "this \(top.isMapping ? "mapping" : "list") has more than \(limits.maxCollectionItems) items",
                at: node.location, notes: [.init("the \(top.isMapping ? "mapping" : "list") starts here", at: top.location)]))
        }
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        top.awaitingValue = true
        switch node {
        case .scalar(let key):
            if key.isPlain && key.text == "<<" {
                try report(.error(
                    "merge-key", "merge keys (<<) are not allowed in a spec", at: key.location,
                    hint: "write the merged fields out in this mapping"))
            } else if let first = top.firstLocation(of: key.text) {
                try report(.error(
                    "duplicate-key", "duplicate key '\(key.text)'", at: key.location,
                    notes: [.init("'\(key.text)' is first defined here", at: first)],
                    hint: "YAML keeps only one of them; remove or rename one"))
            } else {
                top.remember(key)
                top.pendingKey = key
            }
        case .invalid:
            break
        case .mapping, .sequence:
            try report(.error(
                "complex-key", "mapping keys must be plain strings, not a \(node.isMapping ? "mapping" : "list")",
                at: node.location))
        }
    }

    private mutating func report(_ d: Diagnostic) throws(StopReading) {
        diagnostics.append(d)
        if diagnostics.count >= limits.maxDiagnostics {
            try fatal(.error(
                "too-many-errors", "stopped reading after \(limits.maxDiagnostics) errors", at: d.location))
        }
    }

    private mutating func fatal(_ d: Diagnostic) throws(StopReading) -> Never {
        diagnostics.append(d)
        throw StopReading()
    }

    /// The 1-based character position of the first U+FEFF in a UTF-8 string, or nil.
    private func firstBOM(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard value.count >= 3 else { return nil }
        var i = 0
        while i + 2 < value.count {
            if value[i] == 0xEF && value[i + 1] == 0xBB && value[i + 2] == 0xBF {
                return value[...i].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            }
            i += 1
        }
        return nil
    }

    private func cString(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    // MARK: - libyaml's errors, made readable

    private func syntaxError(_ parser: yaml_parser_t) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) }
        if parser.error == YAML_READER_ERROR {
            // Reader errors carry a byte offset, not a mark.
            let at = location(ofByte: parser.problem_offset)
            if problem == "control characters are not allowed" {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                return .error("yaml-syntax", "control character U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) is not allowed in YAML", at: at,
                              hint: "remove it, or write it as an escape inside a double-quoted string")
            }
            return .error("yaml-syntax", problem, at: at)
        }
        let at = mark(parser.problem_mark)
        // Directives: libyaml's own words name no directive.
        switch problem {
        case "found incompatible YAML document":
            let written = directive(atLine: at.line)
            return .error("yaml-directive", "unsupported YAML version '\(written)': a spec is YAML 1.2 (%YAML 1.1 is accepted too)",
                          at: SourceLocation(file: file, line: at.line, column: 1, length: written.unicodeScalars.count),
                          hint: "write %YAML 1.2, or leave the directive out")
        case "found unknown directive name":
            let line = parser.context_mark.line + 1
            let written = directive(atLine: line)
            return .error("yaml-directive", "unknown directive '\(written)': a spec may have only %YAML",
                          at: SourceLocation(file: file, line: line, column: 1, length: written.unicodeScalars.count),
                          hint: "remove it")
        case "found duplicate %YAML directive":
            return .error("yaml-directive", "%YAML is given twice", at: SourceLocation(file: file, line: at.line, column: 1, length: 5),
                          hint: "keep one")
        case "found duplicate %TAG directive":
            return .error("yaml-directive", "%TAG directives are not allowed in a spec (and this one repeats a handle)",
                          at: SourceLocation(file: file, line: at.line, column: 1, length: 4),
                          hint: "remove it: a spec uses no tags, so it needs no tag shorthands")
        default:
            break
        }
        var notes: [Diagnostic.Note] = []
        let contextAt = mark(parser.context_mark)
        let opener: String? =
            switch context {
            case "while parsing a flow sequence": "'['"
            case "while parsing a flow mapping": "'{'"
            case "while scanning a quoted scalar": "the quoted string"
            case "while parsing a block mapping": "the mapping"
            case "while parsing a block collection": "the list"
            default: nil
            }
        if let opener, context != nil, contextAt != at {
            notes.append(.init("\(opener) starts here", at: contextAt))
        }
        let text: String
        var hint: String?
        switch problem {
        case "found character that cannot start any token":
            let ch = character(at: parser.problem_mark)
            if ch == "\t" {
                text = "a tab cannot be used for indentation"
                hint = "indent with spaces"
            } else {
                text = "'\(ch)' cannot start a plain value"
                hint = "quote the value"
            }
        case "mapping values are not allowed in this context":
            text = "unexpected ':' (a plain value cannot contain ': ')"
            hint = "quote the value, or check the indentation of this line"
        case "did not find expected key":
            text = "bad indentation: expected a key at the indentation of the mapping above"
        case "did not find expected ',' or ']'":
            text = "unclosed '[': expected ',' or ']'"
        case "did not find expected ',' or '}'":
            text = "unclosed '{': expected ',' or '}'"
        case "did not find expected '-' indicator":
            text = "bad indentation: expected a list item ('- ') at the indentation of the list above"
        case "found unexpected end of stream" where context == "while scanning a quoted scalar":
            // Blame the opening quote, where the mistake is, not the end of the file.
            return .error("yaml-syntax", "unterminated quoted string: the closing quote is missing", at: contextAt,
                          notes: [.init("the file ends here", at: at)])
        case "found unexpected end of stream":
            text = "unexpected end of file"
        case "found unknown escape character":
            text = "unknown escape sequence in a double-quoted string"
            hint = "write a backslash as \\\\, or use single quotes"
        case "could not find expected ':'":
            text = "expected ':' after a key"
        case "block sequence entries are not allowed in this context":
            text = "a list item ('- ') is not allowed here"
            hint = "check the indentation of this line"
        default:
            text = problem + (context.map { " (\($0))" } ?? "")
        }
        return .error("yaml-syntax", text, at: at, notes: notes, hint: hint)
    }

    /// The character at a libyaml mark (whose index counts characters, not bytes).
    private func character(at m: yaml_mark_t) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let scalars = text.hasPrefix("\u{FEFF}") ? text.unicodeScalars.dropFirst() : text.unicodeScalars[...]
        guard m.index < scalars.count else { return "end of file" }
        return String(scalars[scalars.index(scalars.startIndex, offsetBy: m.index)])
    }
}

extension YAMLNode {
    var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}
