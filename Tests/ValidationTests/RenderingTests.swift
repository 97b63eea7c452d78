import Diagnostics
import Testing

/// What a spec's text can do to a terminal through a rendered diagnostic: nothing. Control,
/// line-separator, bidirectional-formatting characters and U+FEFF are shown escaped in the
/// snippet (`\x1b`, `\u{202e}`), in the message, hint and notes, and in the file name; the caret
/// stays under the column it names.
@Suite struct RenderingTests {
    func render(_ line: String, column: Int, length: Int = 1, message: String = "m", file: String = "t.yaml") -> String {
        let d = Diagnostic.error("r", message, at: SourceLocation(file: file, line: 1, column: column, length: length))
        return DiagnosticRenderer.text(d, source: SourceText(name: file, text: line + "\n"))
    }

    /// The snippet's two lines: the source line and the caret line, without the gutter.
    func snippet(_ rendered: String) -> [String] {
        rendered.split(separator: "\n").dropFirst().prefix(2).map { String($0.dropFirst(8)) }
    }

    @Test func sourceLinesEndWhereYAMLSaysTheyDo() {
        let t = SourceText(name: "t", text: "\u{FEFF}a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g\n")
        #expect((1...8).map { t.line($0).map(String.init) } == ["a", "b", "c", "d", "e", "f", "g", ""])
        #expect(t.line(9) == nil && t.line(0) == nil)
        #expect(SourceText(name: "t", text: "").line(1) == nil)
        #expect(SourceText(name: "t", text: "é\u{301}x").line(1) == "é\u{301}x")
    }

    @Test func escapeSequencesAreShownEscaped() {
        // ESC [ 2 J (clear the screen) at column 6; the caret under the 'b' at column 13.
        let out = render("a: \"x\u{1B}[2Jy\" b", column: 13)
        #expect(snippet(out) == ["a: \"x\\x1b[2Jy\" b", "               ^"])
        #expect(!out.unicodeScalars.contains("\u{1B}"))
        // Under the escaped character itself, the underline covers the whole escape.
        #expect(snippet(render("a: \"x\u{1B}y\"", column: 6)) == ["a: \"x\\x1by\"", "     ^~~~"])
        #expect(snippet(render("a: \"x\u{1B}y\"", column: 5, length: 3)) == ["a: \"x\\x1by\"", "    ^~~~~~"])
    }

    @Test func everyKindIsEscaped() {
        let cases: [(String, String)] = [
            ("\u{0}", "\\x00"), ("\u{7}", "\\x07"), ("\r", "\\x0d"), ("\u{7F}", "\\x7f"), ("\u{85}", "\\x85"),
            ("\u{9B}", "\\x9b"), ("\u{2028}", "\\u{2028}"), ("\u{2029}", "\\u{2029}"), ("\u{202E}", "\\u{202e}"),
            ("\u{202A}", "\\u{202a}"), ("\u{2066}", "\\u{2066}"), ("\u{2069}", "\\u{2069}"), ("\u{200F}", "\\u{200f}"),
            ("\u{61C}", "\\u{61c}"), ("\u{FEFF}", "\\u{feff}"),
        ]
        for (raw, shown) in cases {
            #expect(TerminalText.escaped("a" + raw + "b") == "a" + shown + "b", "\(shown)")
        }
        #expect(TerminalText.escaped("a\tb é 漢 \\") == "a\tb é 漢 \\", "tab and printable text stay")
    }

    /// U+202E (right-to-left override) would show `/tmp/exe.doc` for `/tmp/‮cod.exe`; escaped, the
    /// line reads as written and the caret after it moves with it.
    @Test func bidiOverridesCannotReorderTheLine() {
        let line = "  - {type: tmpfs, target: \"/tmp/\u{202E}cod.exe\", size: 0}"
        let out = render(line, column: 51)
        #expect(snippet(out) == [
            "  - {type: tmpfs, target: \"/tmp/\\u{202e}cod.exe\", size: 0}",
            "                                                         ^",
        ])
        #expect(!out.unicodeScalars.contains("\u{202E}"))
    }

    /// Tabs stay tabs, in the line and in the caret's padding, so the caret lines up whatever
    /// the terminal's tab width; escapes before the column are padded with spaces.
    @Test func tabsStayAndPadTheCaret() {
        #expect(snippet(render("\ta\u{1B}\tb", column: 5)) == ["\ta\\x1b\tb", "\t     \t^"])
    }

    @Test func aColumnPastTheEndOfTheLine() {
        #expect(snippet(render("ab\u{7}", column: 4)) == ["ab\\x07", "      ^"])
    }

    @Test func messagesHintsNotesAndFileNamesAreEscaped() {
        var d = Diagnostic.error("unknown-key", "unknown key 'a\u{1B}]0;pwned\u{7}'", at: SourceLocation(file: "x\u{1B}.yaml", line: 1, column: 1),
                                 notes: [.init("see \u{202E}here", at: SourceLocation(file: "y\u{9B}.yaml", line: 2, column: 1))],
                                 hint: "did you mean 'a\nb'?")
        let text = DiagnosticRenderer.text(d, source: nil)
        #expect(text == """
            x\\x1b.yaml:1:1: error: unknown key 'a\\x1b]0;pwned\\x07' [unknown-key]
                  = hint: did you mean 'a\\x0ab'?
            y\\x9b.yaml:2:1: note: see \\u{202e}here

            """)
        d.hint = nil
        let github = DiagnosticRenderer.github(d)
        #expect(!github.unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" }, "\(github)")
        let json = DiagnosticRenderer.json([d])
        #expect(!json.unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" }, "\(json)")
        #expect(json.contains("\\u001b") && json.contains("\\u202e") && json.contains("\\u009b"))
    }
}
