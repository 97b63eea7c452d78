import Diagnostics
import SpecFormat

public struct ValidationOptions: Sendable {
    /// The command line supplies the process (`nsspec run spec -- cmd…`), so `process.args` may
    /// be missing from the spec.
    public var argsFromCommandLine = false
    /// The spec is about to run as root (`plan` and `run` by root): the default uid map and
    /// `self` then make uid 0 inside the host's uid 0. `validate` answers for the spec alone.
    public var runAsRoot = false

    public init(argsFromCommandLine: Bool = false, runAsRoot: Bool = false) {
        self.argsFromCommandLine = argsFromCommandLine
        self.runAsRoot = runAsRoot
    }
}

/// One named semantic check. Rules read the decoded spec only — no files, no host state — so that
/// `validate` gives the same answer on every machine; host checks belong to preflight. (The
/// options say how the spec is used: `runAsRoot` only from `plan` and `run`.)
public struct Rule: Sendable {
    public let id: String
    public let summary: String
    let check: @Sendable (Spec, ValidationOptions) -> [Diagnostic]

    init(_ id: String, _ summary: String, _ check: @escaping @Sendable (Spec, ValidationOptions) -> [Diagnostic]) {
        self.id = id
        self.summary = summary
        self.check = check
    }
}

public enum Validator {
    /// Every rule, run in this order; all run, and their diagnostics are merged and sorted by position.
    public static let rules: [Rule] = namespaceRules + idMapRules + mountRules + overlayRules + networkRules + userModeRules + processRules + seccompRules + pathCharacterRules + hostRules

    public static func validate(_ spec: Spec, options: ValidationOptions = ValidationOptions()) -> [Diagnostic] {
        rules.flatMap { rule in rule.check(spec, options) }
    }
}

extension Spec {
    /// A note pointing at the `namespaces:` key; none when the spec has no such key.
    func namespacesNote(_ text: String = "namespaces are declared here") -> [Diagnostic.Note] {
        namespacesKey.map { [.init(text, at: $0)] } ?? []
    }
}
