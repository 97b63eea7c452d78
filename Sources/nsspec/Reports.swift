import Diagnostics
import Validation

/// One spec's outcome in `validate`: its name as given and what was found in it.
struct SpecReport {
    var file: String
    var diagnostics: [Diagnostic]
    var source: SourceText?

    func failed(strict: Bool) -> Bool { diagnostics.contains { $0.severity == .error || strict } }
}

/// `validate --format sarif`: SARIF 2.1.0 (OASIS), as GitHub code scanning and other SARIF
/// viewers read it. One run; the tool's rule catalog is every rule nsspec has (from the docs,
/// RuleHelp.swift), so a viewer can show a rule's help for any result. Text that came from a
/// spec is escaped as in the text output: a viewer is a screen a reviewer reads.
enum SARIF {
    static func render(_ reports: [SpecReport]) -> String {
        var index: [String: Int] = [:]
        var rules: [String] = []
        var summaries: [String: String] = [:]
        for rule in Validator.rules { summaries[rule.id] = rule.summary }
        for (i, entry) in RuleHelp.entries.enumerated() {
            index[entry.id] = i
            let name = entry.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            let summary = summaries[entry.id] ?? entry.help
            rules.append("""
                {"id":\(json(entry.id)),"name":\(json(name)),\
                "shortDescription":{"text":\(json(summary))},\
                "fullDescription":{"text":\(json(entry.help))},\
                "help":{"text":\(json("\(entry.help)\n\nReference: docs/spec-v1.md, Diagnostics, \"\(entry.section)\"."))},\
                "defaultConfiguration":{"level":\(json(entry.level.rawValue))},\
                "properties":{"tags":[\(json(entry.section))]}}
                """)
        }
        var results: [String] = []
        for report in reports {
            for d in report.diagnostics {
                var fields = ["\"ruleId\":\(json(d.rule))"]
                if let i = index[d.rule] { fields.append("\"ruleIndex\":\(i)") }
                fields.append("\"level\":\(json(d.severity.rawValue))")
                var message = safe(d.message)
                if let hint = d.hint { message += "\nhint: \(safe(hint))" }
                fields.append("\"message\":{\"text\":\(json(message))}")
                fields.append("\"locations\":[\(location(d.location))]")
                if !d.notes.isEmpty {
                    let related = d.notes.enumerated().map { i, note in
                        "{\"id\":\(i),\"message\":{\"text\":\(json(safe(note.message)))},"
                            + String(location(note.location).dropFirst())
                    }
                    fields.append("\"relatedLocations\":[\(related.joined(separator: ","))]")
                }
                results.append("{" + fields.joined(separator: ",") + "}")
            }
        }
        let artifacts = reports.map { "{\"location\":{\"uri\":\(json(uri($0.file)))}}" }
        return """
            {"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{
            "tool":{"driver":{"name":"nsspec","semanticVersion":\(json(Help.version)),"rules":[
            \(rules.joined(separator: ",\n"))
            ]}},
            "columnKind":"unicodeCodePoints",
            "artifacts":[\(artifacts.joined(separator: ","))],
            "results":[
            \(results.joined(separator: ",\n"))
            ]}]}

            """
    }

    /// `{"physicalLocation":…}`: the file, and the line and columns when there is a line (a file
    /// that could not be read has none).
    static func location(_ l: SourceLocation) -> String {
        var physical = "\"artifactLocation\":{\"uri\":\(json(uri(l.file)))}"
        if l.line > 0 {
            physical += ",\"region\":{\"startLine\":\(l.line),\"startColumn\":\(max(1, l.column)),"
                + "\"endColumn\":\(max(1, l.column) + l.length)}"
        }
        return "{\"physicalLocation\":{\(physical)}}"
    }

    /// A file name as a URI reference: relative names stay relative (to where validate ran, the
    /// repository root in CI), absolute ones become `file://` URIs; every byte outside RFC 3986's
    /// unreserved set and `/` is percent-encoded (`<stdin>` is `%3Cstdin%3E`).
    static func uri(_ path: String) -> String {
        var out = path.hasPrefix("/") ? "file://" : ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    static func json(_ s: String) -> String { DiagnosticRenderer.jsonString(s) }
    static func safe(_ s: String) -> String { TerminalText.escaped(s) }
}

/// `validate --format junit`: one testcase per spec, failed when the spec is invalid (or, with
/// --strict, has a warning), with the text output of its diagnostics as the failure's body; the
/// warnings of a valid spec go to its system-out. The XML that Jenkins, GitLab and the JUnit
/// dashboards of CI services read.
enum JUnit {
    static func render(_ reports: [SpecReport], strict: Bool) -> String {
        let failures = reports.filter { $0.failed(strict: strict) }.count
        var cases = ""
        for report in reports {
            let errors = report.diagnostics.filter { $0.severity == .error }.count
            let warnings = report.diagnostics.count - errors
            let text = report.diagnostics.map { DiagnosticRenderer.text($0, source: report.source) }.joined()
            cases += "    <testcase classname=\"nsspec.validate\" name=\(attribute(report.file)) file=\(attribute(report.file))>\n"
            if report.failed(strict: strict) {
                let summary = "\(plural(errors, "error")), \(plural(warnings, "warning"))"
                cases += "      <failure type=\"invalid-spec\" message=\(attribute(summary))>\(escape(text))</failure>\n"
            } else if !text.isEmpty {
                cases += "      <system-out>\(escape(text))</system-out>\n"
            }
            cases += "    </testcase>\n"
        }
        let counts = "tests=\"\(reports.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\""
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="nsspec validate" \(counts)>
              <testsuite name="nsspec validate" \(counts)>
            \(cases)  </testsuite>
            </testsuites>

            """
    }

    /// An attribute's value, quoted: a file name, escaped as the text output shows it.
    static func attribute(_ s: String) -> String {
        "\"" + escape(TerminalText.escaped(s, keepTabs: false)).replacing("\"", with: "&quot;") + "\""
    }

    /// XML character data: the markup characters as entities, and what XML 1.0 cannot hold at all
    /// (controls but tab and newline, U+FFFE, U+FFFF) escaped as the text output shows it. The
    /// text output has already escaped what came from the spec.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\n", "\t": out.unicodeScalars.append(c)
            case _ where c.value < 0x20 || c.value == 0xFFFE || c.value == 0xFFFF: out += TerminalText.escape(c)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
