import Diagnostics
@testable import SpecFormat

/// Reads `yaml` as a spec file named t.yaml and returns the reader's and decoder's diagnostics.
func load(_ yaml: String) -> LoadedSpec {
    SpecLoader.load(Array(yaml.utf8), file: "t.yaml")
}

/// (rule, line, column) of each diagnostic, sorted by position — compact to compare in tables.
func found(_ diagnostics: [Diagnostic]) -> [Found] {
    diagnostics.sortedByLocation().map { Found($0.rule, $0.location.line, $0.location.column) }
}

struct Found: Equatable, CustomStringConvertible {
    var rule: String
    var line: Int
    var column: Int

    init(_ rule: String, _ line: Int, _ column: Int) {
        self.rule = rule
        self.line = line
        self.column = column
    }

    var description: String { "\(rule)@\(line):\(column)" }
}
