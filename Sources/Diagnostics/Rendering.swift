/// The text of one spec file, kept so that diagnostics can quote the offending line.
public struct SourceText: Sendable {
    public let name: String
    /// The text; split into lines only when a snippet is shown (a valid spec never needs it).
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// Line `n` (1-based) without its line terminator, or nil when out of range. Lines end where
    /// YAML (and libyaml's line count) says they do: LF, CRLF, CR, NEL, LS, PS; a byte order mark
    /// is not part of the first line. A scan of the UTF-8 bytes up to the line, for each snippet
    /// shown: splitting the whole text into Characters for each of a spec's many diagnostics was
    /// quadratic (the fuzzer's one-hour run timed out on 4 KB of 142 errors).
    public func line(_ n: Int) -> Substring? {
        guard n >= 1 else { return nil }
        let utf8 = text.utf8
        var i = utf8.startIndex
        if text.hasPrefix("\u{FEFF}") { i = utf8.index(i, offsetBy: 3) }
        guard i < utf8.endIndex else { return nil }
        var line = 1
        var start = i
        while i < utf8.endIndex {
            // The terminator's length at i, 0 if none: LF, CR (CRLF as one), NEL, LS, PS.
            let b = utf8[i]
            var length = 0
            if b == 0x0A {
                length = 1
            } else if b == 0x0D {
                let next = utf8.index(after: i)
                length = next < utf8.endIndex && utf8[next] == 0x0A ? 2 : 1
            } else if b == 0xC2 || b == 0xE2 {
                let bytes = Array(utf8[i..<(utf8.index(i, offsetBy: b == 0xC2 ? 2 : 3, limitedBy: utf8.endIndex) ?? utf8.endIndex)])
                if bytes == [0xC2, 0x85] || bytes == [0xE2, 0x80, 0xA8] || bytes == [0xE2, 0x80, 0xA9] { length = bytes.count }
            }
            if length == 0 {
                i = utf8.index(after: i)
                continue
            }
            if line == n { return text[start..<i] }
            i = utf8.index(i, offsetBy: length)
            line += 1
            start = i
        }
        return line == n ? text[start..<i] : nil
    }
}

public enum DiagnosticFormat: String, CaseIterable, Sendable {
    case text, json, github, sarif, junit
}

public enum DiagnosticRenderer {
    /// Compiler style: `file:line:col: severity: message [rule]`, the source line with a caret
    /// under the offending token, notes pointing at related places, and a hint. Whatever came
    /// from the spec or its name — the snippet, the values quoted in messages, file names — is
    /// shown through `TerminalText`, so nothing in a spec can rewrite the terminal it is read on.
    public static func text(_ d: Diagnostic, source: SourceText?) -> String {
        var out = "\(safe(d.location.description)): \(d.severity.rawValue): \(safe(d.message)) [\(safe(d.rule))]\n"
        if let full = source?.line(d.location.line) {
            let (line, column) = window(full, column: d.location.column)
            let number = String(d.location.line)
            let gutter = String(repeating: " ", count: max(0, 5 - number.count)) + number
            let blank = String(repeating: " ", count: gutter.count)
            let shown = Snippet(line)
            out += "\(gutter) | \(shown.text)\n"
            out += "\(blank) | \(shown.caret(column: column, length: d.location.length))\n"
        }
        if let hint = d.hint {
            out += "      = hint: \(safe(hint))\n"
        }
        for note in d.notes {
            out += "\(safe(note.location.description)): note: \(safe(note.message))\n"
        }
        return out
    }

    static let snippetWidth = 100

    static func safe(_ text: String) -> String { TerminalText.escaped(text) }

    /// A source line as shown: each unsafe character escaped (tabs kept), and where each of the
    /// line's characters starts in the shown text, so that a caret can be put under a column of
    /// the source.
    struct Snippet {
        /// The shown text, as scalars.
        let shown: [Unicode.Scalar]
        /// `starts[i]`: where the line's character i starts in `shown`; one more entry, the end.
        let starts: [Int]

        init(_ line: String) {
            var shown: [Unicode.Scalar] = []
            var starts: [Int] = []
            for c in line.unicodeScalars {
                starts.append(shown.count)
                if TerminalText.isUnsafe(c) && c != "\t" {
                    shown.append(contentsOf: TerminalText.escape(c).unicodeScalars)
                } else {
                    shown.append(c)
                }
            }
            starts.append(shown.count)
            self.shown = shown
            self.starts = starts
        }

        var text: String {
            var out = ""
            out.unicodeScalars.append(contentsOf: shown)
            return out
        }

        /// `^~~~` under the source columns `column ..< column+length` (1-based), padded with
        /// the line's own tabs so that it lines up whatever the tab width; the underline stops at
        /// the end of the line. A column past the end is put past the end.
        func caret(column: Int, length: Int) -> String {
            let count = starts.count - 1
            let first = max(0, column - 1)
            let start = first <= count ? starts[first] : shown.count + (first - count)
            var pad = ""
            for i in 0..<start { pad += (i < shown.count && shown[i] == "\t") ? "\t" : " " }
            let last = min(count, first + max(1, length))
            let width = first < count ? max(1, starts[last] - start) : 1
            return pad + "^" + String(repeating: "~", count: width - 1)
        }
    }

    /// A long line cut to a window around `column`, with `…` where text was left out, and the
    /// column moved to match.
    static func window(_ line: Substring, column: Int) -> (String, Int) {
        let scalars = Array(line.unicodeScalars)
        guard scalars.count > snippetWidth else { return (String(line), column) }
        let start = max(0, min(column - 1 - snippetWidth / 3, scalars.count - snippetWidth))
        let end = min(scalars.count, start + snippetWidth)
        var text = start > 0 ? "…" : ""
        text.unicodeScalars.append(contentsOf: scalars[start..<end])
        if end < scalars.count { text += "…" }
        return (text, column - start + (start > 0 ? 1 : 0))
    }


    /// One JSON object per diagnostic, all in one array.
    public static func json(_ diagnostics: [Diagnostic]) -> String {
        if diagnostics.isEmpty { return "[]\n" }
        let objects = diagnostics.map { d -> String in
            var fields = [
                "\"file\":\(jsonString(d.location.file))",
                "\"line\":\(d.location.line)",
                "\"column\":\(d.location.column)",
                "\"severity\":\(jsonString(d.severity.rawValue))",
                "\"rule\":\(jsonString(d.rule))",
                "\"message\":\(jsonString(d.message))",
            ]
            if let hint = d.hint { fields.append("\"hint\":\(jsonString(hint))") }
            if !d.notes.isEmpty {
                let notes = d.notes.map {
                    "{\"file\":\(jsonString($0.location.file)),\"line\":\($0.location.line),"
                        + "\"column\":\($0.location.column),\"message\":\(jsonString($0.message))}"
                }
                fields.append("\"notes\":[\(notes.joined(separator: ","))]")
            }
            return "  {" + fields.joined(separator: ",") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    /// GitHub Actions workflow commands: one `::error file=…,line=…,col=…::message` per diagnostic.
    /// Text from the spec is escaped as in `text` (a CI log is a terminal too: GitHub renders
    /// its ANSI sequences).
    public static func github(_ d: Diagnostic) -> String {
        var message = "\(safe(d.message)) [\(safe(d.rule))]"
        if let hint = d.hint { message += "\nhint: \(safe(hint))" }
        for note in d.notes { message += "\n\(safe(note.location.description)): note: \(safe(note.message))" }
        let kind = d.severity == .error ? "error" : "warning"
        let position = d.location.line == 0 ? "" : ",line=\(d.location.line),col=\(d.location.column)"
        return "::\(kind) file=\(escapeProperty(safe(d.location.file)))\(position),"
            + "title=\(escapeProperty(safe("nsspec " + d.rule)))::\(escapeData(message))\n"
    }

    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where TerminalText.isUnsafe(u):
                // Controls as JSON requires; C1, U+2028/9, bidi formatting and U+FEFF too, so
                // that the output can be printed as it is (and U+2028 read by JavaScript).
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    // The escaping of GitHub's toolkit (`escapeData`, `escapeProperty` in @actions/core).
    static func escapeData(_ s: String) -> String {
        s.replacing("%", with: "%25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }

    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }
}
