/// Text from a spec made safe to print. A spec is read by someone else's terminal (a reviewer's,
/// a CI log's): a control character in it must not move the cursor, clear the screen, set the
/// window title or end a line, and a bidirectional-formatting character must not reorder what is
/// shown (U+202E makes `/tmp/‮cod.exe` read as `/tmp/exe.doc`). Each such character is shown
/// escaped, the way a programmer writes it: `\x1b` for the C0 and C1 controls and DEL,
/// `\u{202e}` for the rest. Tab stays where the caller wants it (it moves nothing but the cursor
/// to the next stop, and a snippet keeps it so that the caret lines up).
public enum TerminalText {
    /// C0 and C1 controls (tab included), DEL, the line and paragraph separators, the
    /// bidirectional formatting characters (ALM, LRM, RLM, the embeddings and overrides
    /// U+202A–U+202E, the isolates U+2066–U+2069), and U+FEFF (a byte order mark, invisible).
    public static func isUnsafe(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// How `c` is shown: `\x1b`, `\x9b`, `\u{202e}`.
    public static func escape(_ c: Unicode.Scalar) -> String {
        let hex = String(c.value, radix: 16)
        if c.value < 0x100 { return "\\x" + (hex.count == 1 ? "0" : "") + hex }
        return "\\u{" + hex + "}"
    }

    /// `text` with every unsafe character escaped; tabs kept unless `keepTabs` is false.
    public static func escaped(_ text: some StringProtocol, keepTabs: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return String(text) }
        var out = ""
        for c in text.unicodeScalars {
            if isUnsafe(c) && !(keepTabs && c == "\t") { out += escape(c) } else { out.unicodeScalars.append(c) }
        }
        return out
    }
}
