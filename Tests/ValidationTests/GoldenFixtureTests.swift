import Diagnostics
import Foundation
import SpecFormat
import Testing
import Validation

/// Golden tests: every `Tests/Fixtures/invalid/NAME.yaml` is loaded and validated, and the
/// rendered diagnostics must equal `NAME.expected` byte for byte.
///
/// To (re)generate the `.expected` files after an intended change of messages or positions:
///
///     NSSPEC_UPDATE_GOLDEN=1 swift test --filter GoldenFixture
///
/// then read every changed file as a stranger would before committing it.
@Suite struct GoldenFixtureTests {
    // MARK: - the golden comparison

    @Test(arguments: Golden.fixtureNames())
    func fixtureMatchesGolden(_ name: String) throws {
        let actual = try Golden.run(name).text
        let expectedURL = Golden.expectedURL(name)
        if Golden.updating {
            try Data(actual.utf8).write(to: expectedURL)
            return
        }
        guard let data = FileManager.default.contents(atPath: expectedURL.path) else {
            Issue.record("\(Golden.relative(expectedURL)) is missing; run with NSSPEC_UPDATE_GOLDEN=1 to create it")
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected != actual {
            Issue.record("""
                \(name).yaml: output differs from \(Golden.relative(expectedURL)) \
                (- expected, + actual; NSSPEC_UPDATE_GOLDEN=1 rewrites it):
                \(Golden.diff(expected, actual))
                """)
        }
    }

    // MARK: - the fixture set itself

    @Test func everyFixtureHasAGoldenAndEveryGoldenAFixture() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Golden.folder.path)
        let yaml = Set(names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) })
        let expected = Set(names.filter { $0.hasSuffix(".expected") }.map { String($0.dropLast(9)) })
        #expect(!yaml.isEmpty, "no fixtures found in \(Golden.folder.path)")
        if !Golden.updating {
            #expect(yaml.subtracting(expected).sorted() == [], "fixtures without a .expected")
        }
        #expect(expected.subtracting(yaml).sorted() == [], ".expected files without a fixture")
    }

    @Test(arguments: Golden.fixtureNames())
    func everyFixtureHasAnError(_ name: String) throws {
        let diagnostics = try Golden.run(name).diagnostics
        #expect(diagnostics.hasErrors, "\(name).yaml is supposed to be invalid but yields no error")
    }

    @Test func sevenMistakes() throws {
        let diagnostics = try Golden.run("seven-mistakes").diagnostics
        let found = diagnostics.map { Pair(line: $0.location.line, rule: $0.rule, severity: $0.severity) }
        // Exactly these seven, and nothing else (no warnings either).
        #expect(found == [
            Pair(line: 4, rule: "hostname-without-uts"),  // hostname, but no 'uts' in namespaces
            Pair(line: 7, rule: "idmap-overlap"),  // inside 0-65535 overlaps the 'self' entry's 0
            Pair(line: 10, rule: "ambiguous-boolean"),  // readonly: yes
            Pair(line: 11, rule: "ambiguous-mode"),  // mode: 0755 unquoted
            Pair(line: 15, rule: "interface-name"),  // a 16-byte interface name
            Pair(line: 21, rule: "duplicate-key"),  // PATH set twice in env
            Pair(line: 22, rule: "unknown-key"),  // noNewPriviliges
        ])
        #expect(diagnostics.filter { $0.severity == .error }.count == 7)
    }

    struct Pair: Equatable, CustomStringConvertible {
        var line: Int
        var rule: String
        var severity: Severity = .error
        var description: String { "\(line): \(severity.rawValue) [\(rule)]" }
    }

    // MARK: - coverage of the rules

    @Test func everyValidatorRuleAppearsInSomeGolden() throws {
        let goldens = try Golden.allExpectedText()
        let missing = Validator.rules.map(\.id).filter { !goldens.contains("[\($0)]\n") }
        #expect(missing == [], "rules that no fixture triggers")
    }

    /// Rule ids the reader and the decoder emit (they are not in `Validator.rules`). The CLI's own
    /// `file-unreadable` (a file that cannot be opened) has no fixture: there is nothing to load.
    static let readerAndDecoderRules = [
        "alias", "ambiguous-boolean", "ambiguous-mode", "ambiguous-number", "anchor", "byte-order-mark", "complex-key",
        "duplicate-key", "empty-document", "invalid-address", "invalid-mac", "invalid-mode",
        "invalid-size", "invalid-utf8", "merge-key", "missing-field", "multiple-documents", "nesting-too-deep",
        "nul-in-string", "out-of-range", "tag", "too-many-errors", "too-many-items", "unknown-key",
        "unknown-rlimit", "unknown-value", "unsupported-version", "wrong-type", "yaml-directive", "yaml-syntax",
        // Emitted by validator rules under another rule's id.
        "domainname-invalid",
    ]

    @Test func everyReaderAndDecoderRuleAppearsInSomeGolden() throws {
        let goldens = try Golden.allExpectedText()
        let missing = Self.readerAndDecoderRules.filter { !goldens.contains("[\($0)]\n") }
        #expect(missing == [], "rule ids that no fixture triggers")
    }
}

/// Locating, running and comparing the fixtures.
enum Golden {
    /// The package root: this file is `Tests/ValidationTests/GoldenFixtureTests.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ValidationTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let folder = root.appendingPathComponent("Tests/Fixtures/invalid", isDirectory: true)

    static var updating: Bool { ProcessInfo.processInfo.environment["NSSPEC_UPDATE_GOLDEN"] == "1" }

    /// The fixture names without `.yaml`, sorted.
    static func fixtureNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func expectedURL(_ name: String) -> URL { folder.appendingPathComponent(name + ".expected") }

    static func relative(_ url: URL) -> String {
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return url.path.hasPrefix(prefix) ? String(url.path.dropFirst(prefix.count)) : url.path
    }

    /// Loads and validates one fixture exactly as `nsspec validate` does, and renders the result.
    static func run(_ name: String) throws -> (diagnostics: [Diagnostic], text: String) {
        let url = folder.appendingPathComponent(name + ".yaml")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw GoldenError("cannot read \(url.path)")
        }
        let bytes = [UInt8](data)
        let checked = SpecCheck.check(bytes, file: "Tests/Fixtures/invalid/\(name).yaml")
        let diags = checked.diagnostics
        let text = diags.map { DiagnosticRenderer.text($0, source: checked.source) }.joined()
        return (diags, text)
    }

    static func allExpectedText() throws -> String {
        try fixtureNames().map { name -> String in
            if updating { return try run(name).text }
            guard let data = FileManager.default.contents(atPath: expectedURL(name).path) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }.joined()
    }

    /// A line diff (longest common subsequence), `-` for expected and `+` for actual lines, with
    /// two lines of context around each change. Trailing whitespace differences are made visible.
    static func diff(_ expected: String, _ actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let n = a.count, m = b.count
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var ops: [(Character, String)] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] {
                ops.append((" ", a[i])); i += 1; j += 1
            } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
                ops.append(("-", a[i])); i += 1
            } else {
                ops.append(("+", b[j])); j += 1
            }
        }
        let changed = ops.indices.filter { ops[$0].0 != " " }
        var out: [String] = []
        var last = -1
        for k in ops.indices where changed.contains(where: { abs($0 - k) <= 2 }) {
            if last >= 0 && k > last + 1 { out.append("  …") }
            let (tag, line) = ops[k]
            out.append("\(tag) \(line.hasSuffix(" ") || line.hasSuffix("\t") ? line + "⏎" : line)")
            last = k
        }
        return out.joined(separator: "\n")
    }
}

struct GoldenError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
