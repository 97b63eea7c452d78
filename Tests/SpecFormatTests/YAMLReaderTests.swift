import Diagnostics
import Testing
@testable import SpecFormat

@Suite struct YAMLReaderTests {
    func read(_ yaml: String) -> YAMLReader.Result {
        YAMLReader.read(Array(yaml.utf8), file: "t.yaml")
    }

    @Test func locationsAreOneBasedAndCountUnicodeScalars() throws {
        let r = read("a: x\nbé: \"ü漢字\"\nc: [1, 2]\n")
        #expect(r.diagnostics.isEmpty)
        guard case .mapping(let entries, let at) = try #require(r.root) else { Issue.record("not a mapping"); return }
        #expect(at == SourceLocation(file: "t.yaml", line: 1, column: 1))
        #expect(entries.map(\.key.text) == ["a", "bé", "c"])
        // "bé: " is 4 scalars (5 bytes), so the value starts at column 5.
        #expect(entries[1].value.location.line == 2)
        #expect(entries[1].value.location.column == 5)
        #expect(entries[1].value.location.length == 5)
        guard case .sequence(let items, _) = entries[2].value else { Issue.record("not a list"); return }
        #expect(items.map(\.location.column) == [5, 8])
    }

    @Test func scalarStylesAreKept() throws {
        let r = read("a: plain\nb: 'single'\nc: \"double\"\nd: |\n  lit\ne: >\n  fold\n")
        guard case .mapping(let entries, _) = try #require(r.root) else { return }
        let styles = entries.compactMap { e -> YAMLScalar.Style? in
            if case .scalar(let s) = e.value { return s.style }
            return nil
        }
        #expect(styles == [.plain, .singleQuoted, .doubleQuoted, .literal, .folded])
    }

    @Test(arguments: [
        // (input, rule, line, column)
        ("a: 1\nb: 2\na: 3\n", "duplicate-key", 3, 1),
        ("a: {x: 1, x: 2}\n", "duplicate-key", 1, 11),
        ("a: &anchor 1\n", "anchor", 1, 4),
        ("a: 1\nb: *x\n", "alias", 2, 4),
        ("a: 1\n<<: {b: 2}\n", "merge-key", 2, 1),
        ("a: !!str 1\n", "tag", 1, 4),
        ("a: !local x\n", "tag", 1, 4),
        ("a: 1\n---\nb: 2\n", "multiple-documents", 2, 1),
        ("", "empty-document", 1, 1),
        ("# only a comment\n", "empty-document", 1, 1),
        ("---\n...\n", "empty-document", 1, 1),
        ("~\n", "empty-document", 1, 1),
        ("a: \"x\\0y\"\n", "nul-in-string", 1, 4),
        ("? [a, b]\n: c\n", "complex-key", 1, 3),
        ("? {a: 1}\n: c\n", "complex-key", 1, 3),
        ("a:\n\tb: 1\n", "yaml-syntax", 2, 1),
        ("a: [1, 2\nb: 3\n", "yaml-syntax", 2, 2),
        ("a: {x: 1\n", "yaml-syntax", 2, 1),
        ("a:\n  b: 1\n c: 2\n", "yaml-syntax", 3, 2),
        ("a: \"open\n", "yaml-syntax", 1, 4),
        ("a: b: c\n", "yaml-syntax", 1, 5),
        ("a: \"\\q\"\n", "yaml-syntax", 1, 5),
        ("a: `x`\n", "yaml-syntax", 1, 4),
    ] as [(String, String, Int, Int)])
    func rejects(_ input: String, _ rule: String, _ line: Int, _ column: Int) {
        let r = read(input)
        #expect(found(r.diagnostics).first == Found(rule, line, column), "\(r.diagnostics)")
    }

    /// %TAG directives are refused, each at its line; %YAML 1.1 and 1.2 are accepted (libyaml
    /// refuses other versions and unknown directives: reported under the same rule).
    @Test func directives() {
        #expect(read("%YAML 1.2\n---\na: 1\n").diagnostics.isEmpty)
        #expect(read("%YAML 1.1\n---\na: 1\n").diagnostics.isEmpty)
        let tags = read("%TAG ! tag:example.com,2000:\n\n%YAML 1.2\n%TAG !e! tag:e.org,2000:x/\n---\na: 1\n").diagnostics
        #expect(found(tags) == [Found("yaml-directive", 1, 1), Found("yaml-directive", 4, 1)])
        #expect(tags.first?.message == "%TAG directives are not allowed in a spec (%TAG ! tag:example.com,2000:)")
        #expect(tags.last?.message == "%TAG directives are not allowed in a spec (%TAG !e! tag:e.org,2000:x/)")
        #expect(read("%TAG ! a:\n---\nb: 1\n").root != nil, "the document is still read")
        let version = read("%YAML 1.3\n---\na: 1\n").diagnostics
        #expect(found(version) == [Found("yaml-directive", 1, 1)])
        #expect(version.first?.message == "unsupported YAML version '%YAML 1.3': a spec is YAML 1.2 (%YAML 1.1 is accepted too)")
        #expect(found(read("%YAML 2.0\n---\na: 1\n").diagnostics) == [Found("yaml-directive", 1, 1)])
        let unknown = read("%FOO bar\n---\na: 1\n").diagnostics
        #expect(found(unknown) == [Found("yaml-directive", 1, 1)])
        #expect(unknown.first?.message == "unknown directive '%FOO bar': a spec may have only %YAML")
        #expect(found(read("%YAML 1.2\n%YAML 1.2\n---\na: 1\n").diagnostics) == [Found("yaml-directive", 2, 1)])
        #expect(found(read("%TAG ! a:\n%TAG ! b:\n---\na: 1\n").diagnostics) == [Found("yaml-directive", 2, 1)])
    }

    /// U+FEFF anywhere but as the file's first character: in a string (raw or as the escape
    /// \uFEFF) at the string; elsewhere (where libyaml skips it: the start of a line) where it is.
    @Test func byteOrderMarksAfterTheStart() throws {
        let bom = "\u{FEFF}"
        let escaped = read("a: \"x\\uFEFFy\"\n").diagnostics
        #expect(found(escaped) == [Found("byte-order-mark", 1, 4)])
        #expect(escaped.first?.message == "this string holds a byte order mark (U+FEFF, at character 2), an invisible character")
        #expect(found(read("a: x\(bom)y\n").diagnostics) == [Found("byte-order-mark", 1, 4)])
        #expect(found(read("a: 'x\n  \(bom)y'\n").diagnostics) == [Found("byte-order-mark", 1, 4)])
        #expect(found(read("\"k\\uFEFF\": 1\n").diagnostics) == [Found("byte-order-mark", 1, 1)])
        // libyaml skips one at the start of a line: in a flow mapping the key reads as "b".
        let skipped = read("a: {\n\(bom)b: 1}\n")
        #expect(found(skipped.diagnostics) == [Found("byte-order-mark", 2, 1)])
        #expect(skipped.diagnostics.first?.message == "a byte order mark (U+FEFF) is allowed only as the first character of the file")
        #expect(found(read("a: {\r\(bom)b: 1}\r").diagnostics) == [Found("byte-order-mark", 2, 1)])
        #expect(found(read("a: 1 # \(bom)\n").diagnostics) == [Found("byte-order-mark", 1, 8)])
        // In a block mapping libyaml then finds the line indented by one: both are said.
        #expect(found(read("a: 1\n\(bom)b: 2\n").diagnostics).map(\.rule) == ["byte-order-mark", "yaml-syntax"])
        // At the very start it is allowed, and no column.
        #expect(found(read("\(bom)a: \"\\uFEFF\"\n").diagnostics) == [Found("byte-order-mark", 1, 4)])
    }

    @Test func duplicateKeyPointsAtTheFirstDefinition() {
        let d = read("a: 1\nb: 2\na: 3\n").diagnostics
        #expect(d.count == 1)
        #expect(d.first?.notes.first?.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
    }

    @Test func syntaxErrorsReadWell() {
        let tab = read("a:\n\tb: 1\n").diagnostics.first
        #expect(tab?.message == "a tab cannot be used for indentation")
        #expect(tab?.hint == "indent with spaces")
        let unclosed = read("a: [1, 2\nb: 3\n").diagnostics.first
        #expect(unclosed?.message == "unclosed '[': expected ',' or ']'")
        #expect(unclosed?.notes.first?.location.line == 1)
        #expect(unclosed?.notes.first?.location.column == 4)
        let indent = read("a:\n  b: 1\n c: 2\n").diagnostics.first
        #expect(indent?.message.hasPrefix("bad indentation") == true)
    }

    @Test func invalidUTF8IsReportedAtItsByte() {
        let bytes: [UInt8] = Array("a: 1\nbc: \"é".utf8) + [0xC3, 0x28] + Array("\"\n".utf8)
        let r = YAMLReader.read(bytes, file: "t.yaml")
        #expect(found(r.diagnostics) == [Found("invalid-utf8", 2, 7)])
        #expect(r.diagnostics.first?.message == "invalid UTF-8: byte 0xC3 cannot appear here")
        #expect(r.root == nil)
        // Overlong encodings and surrogates are invalid too.
        #expect(YAMLReader.read([0x61, 0x3A, 0x20, 0xC0, 0x80], file: "t").diagnostics.first?.rule == "invalid-utf8")
        #expect(YAMLReader.read([0x61, 0x3A, 0x20, 0xED, 0xA0, 0x80], file: "t").diagnostics.first?.rule == "invalid-utf8")
    }

    @Test func controlCharactersAreLibyamlsReaderErrorMadeReadable() {
        let r = YAMLReader.read(Array("a: 1\nb: x\u{1}y\n".utf8), file: "t.yaml")
        #expect(found(r.diagnostics) == [Found("yaml-syntax", 2, 5)])
        #expect(r.diagnostics.first?.message == "control character U+0001 is not allowed in YAML")
    }

    @Test func filesOverOneMiBAreRefusedUnread() {
        let big = "a: 1\n" + String(repeating: "#", count: 1 << 20)
        let r = read(big)
        #expect(found(r.diagnostics) == [Found("file-too-large", 1, 1)])
        // The CLI reads only a prefix of a huge file and passes its real size.
        let prefix = YAMLReader.read(Array("a: 1\n".utf8), file: "t", totalSize: 5 << 30)
        #expect(prefix.diagnostics.first?.rule == "file-too-large")
        #expect(prefix.diagnostics.first?.message.contains("5368709120 bytes") == true)
    }

    @Test func nestingDeeperThan64IsRefused() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(read(ok).diagnostics.isEmpty)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(found(read(deep).diagnostics) == [Found("nesting-too-deep", 1, 65)])
        let block = (0..<70).map { String(repeating: "  ", count: $0) + "k:" }.joined(separator: "\n") + " v\n"
        #expect(found(read(block).diagnostics) == [Found("nesting-too-deep", 65, 129)])
    }

    @Test func moreThan4096ItemsInOneCollectionIsRefused() {
        let ok = "a: [" + Array(repeating: "x", count: 4096).joined(separator: ",") + "]\n"
        #expect(read(ok).diagnostics.isEmpty)
        let wide = "a: [" + Array(repeating: "x", count: 4097).joined(separator: ",") + "]\n"
        #expect(found(read(wide).diagnostics) == [Found("too-many-items", 1, 4 + 4096 * 2 + 1)])
        let keys = (0...4096).map { "k\($0): 1" }.joined(separator: "\n") + "\n"
        #expect(found(read(keys).diagnostics) == [Found("too-many-items", 4097, 1)])
    }

    @Test func aliasBombIsRefusedQuicklyWithoutExpanding() {
        var lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
            previous = name
        }
        let bomb = lines.joined(separator: "\n") + "\n"
        let clock = ContinuousClock()
        var result: YAMLReader.Result?
        let elapsed = clock.measure { result = read(bomb) }
        #expect(elapsed < .milliseconds(100), "took \(elapsed)")
        let d = result?.diagnostics ?? []
        // Nine anchors, and each alias name once (72 uses in all), never expanded.
        #expect(d.filter { $0.rule == "anchor" }.count == 9)
        #expect(d.filter { $0.rule == "alias" }.count == 8)
        #expect(d.first { $0.rule == "alias" }?.message == "aliases are not allowed in a spec (*a, used 9 times)")
    }

    @Test func tenThousandDeepNestIsRefusedQuickly() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        let deepMaps = String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "\n"
        let clock = ContinuousClock()
        for input in [deep, deepMaps] {
            var result: YAMLReader.Result?
            let elapsed = clock.measure { result = read(input) }
            #expect(elapsed < .milliseconds(100), "took \(elapsed)")
            #expect(result?.diagnostics.map(\.rule) == ["nesting-too-deep"])
        }
    }
}

@Suite struct LineEndingTests {
    @Test func crlfFilesGetSnippetsAndPositions() {
        let loaded = load("version: 1\r\nprocess: {args: [a]}\r\nhostnme: x\r\n")
        #expect(found(loaded.diagnostics) == [Found("unknown-key", 3, 1)])
        #expect(loaded.source.line(3) == "hostnme: x")
        let text = DiagnosticRenderer.text(loaded.diagnostics[0], source: loaded.source)
        #expect(text.contains("    3 | hostnme: x\n      | ^~~~~~~\n"))
    }

    @Test func aByteOrderMarkIsSkipped() {
        let loaded = SpecLoader.load([0xEF, 0xBB, 0xBF] + Array("version: 1\nhostnme: x\n".utf8), file: "t.yaml")
        #expect(found(loaded.diagnostics) == [Found("unknown-key", 2, 1)])
        #expect(loaded.source.line(1) == "version: 1")
        let utf16 = SpecLoader.load([0xFF, 0xFE, 0x76, 0x00], file: "t.yaml")
        #expect(found(utf16.diagnostics) == [Found("invalid-utf8", 1, 1)])
        let utf16BigEndian = SpecLoader.load([0xFE, 0xFF, 0x00, 0x76], file: "t.yaml")
        #expect(found(utf16BigEndian.diagnostics) == [Found("invalid-utf8", 1, 1)])
    }
}
