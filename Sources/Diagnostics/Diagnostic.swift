public enum Severity: String, Sendable, Comparable {
    case error, warning

    public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
}

/// One finding about a spec. `rule` is a stable identifier (`unknown-key`,
/// `hostname-without-uts`, …) that tests, docs and suppressions can refer to.
public struct Diagnostic: Sendable, Equatable, Error {
    /// A pointer to a related place in the spec ("first defined here").
    public struct Note: Sendable, Equatable {
        public var message: String
        public var location: SourceLocation

        public init(_ message: String, at location: SourceLocation) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    public var rule: String
    public var message: String
    public var location: SourceLocation
    public var notes: [Note]
    /// How to fix it, when the fix is not obvious from the message.
    public var hint: String?

    public init(
        _ severity: Severity, rule: String, _ message: String, at location: SourceLocation,
        notes: [Note] = [], hint: String? = nil
    ) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
        self.notes = notes
        self.hint = hint
    }

    public static func error(
        _ rule: String, _ message: String, at location: SourceLocation, notes: [Note] = [], hint: String? = nil
    ) -> Diagnostic {
        Diagnostic(.error, rule: rule, message, at: location, notes: notes, hint: hint)
    }

    public static func warning(
        _ rule: String, _ message: String, at location: SourceLocation, notes: [Note] = [], hint: String? = nil
    ) -> Diagnostic {
        Diagnostic(.warning, rule: rule, message, at: location, notes: notes, hint: hint)
    }
}

extension Array where Element == Diagnostic {
    /// Sorted by position; at one position errors come before warnings, then by rule id, so the
    /// output is stable from run to run.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { a, b in
            let (la, lb) = (a.element.location, b.element.location)
            if la < lb || lb < la { return la < lb }
            if a.element.severity != b.element.severity { return a.element.severity < b.element.severity }
            if a.element.rule != b.element.rule { return a.element.rule < b.element.rule }
            return a.offset < b.offset
        }.map(\.element)
    }

    public var hasErrors: Bool { contains { $0.severity == .error } }
}
