/// A position in a spec file: 1-based line and column, columns counted in Unicode scalars
/// (as libyaml counts them). `length` is how many scalars the caret underline covers.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var length: Int

    public init(file: String, line: Int, column: Int, length: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
        self.length = max(1, length)
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }

    /// `file:line:col`, the form every editor and CI system understands; just `file` for a
    /// problem with the file as a whole (line 0: it could not be read).
    public var description: String { line == 0 ? file : "\(file):\(line):\(column)" }
}

/// A value read from a spec together with where it was written.
public struct Located<Value> {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Sendable where Value: Sendable {}
