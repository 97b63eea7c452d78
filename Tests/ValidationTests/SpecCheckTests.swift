import Diagnostics
import SpecFormat
import Testing
import Validation

/// SpecCheck: every diagnostic, sorted, and a ValidatedSpec only when none is an error.
@Suite struct SpecCheckTests {
    func check(_ yaml: String, options: ValidationOptions = ValidationOptions()) -> SpecCheck.Result {
        SpecCheck.check(Array(yaml.utf8), file: "t.yaml", options: options)
    }

    @Test func aValidSpecIsValidated() throws {
        let r = check("version: 1\nname: ok\nprocess: {args: [/bin/true]}\n")
        #expect(r.diagnostics.isEmpty)
        let spec = try #require(r.spec)
        #expect(spec.spec.name?.value == "ok" && spec.spec.file == "t.yaml")
        #expect(r.source.name == "t.yaml" && r.source.text.hasPrefix("version: 1"))
    }

    /// Errors of the reader, of the decoder and of the rules each keep the spec from being
    /// validated; all of them are reported, sorted by position.
    @Test(arguments: [
        "version: 1\nprocess: {args: [/bin/true]}\nhostname: [a\n",  // YAML syntax
        "version: 1\nprocess: {args: [/bin/true]}\nhostnme: x\n",  // decoding: unknown key
        "version: 1\nprocess: {args: [/bin/true]}\nhostname: web\n",  // rule: hostname-without-uts
        "version: 1\n",  // rule: args-missing
        "- not a mapping\n",
        "",
    ])
    func aSpecWithErrorsYieldsNoValidatedSpec(_ yaml: String) {
        let r = check(yaml)
        #expect(r.diagnostics.hasErrors)
        #expect(r.spec == nil)
    }

    @Test func allDiagnosticsSortedByPosition() {
        // A rule's error (line 2) and decoding errors before and after it.
        let r = check("version: 1\nhostname: web\nprocess: {args: [/bin/true], uid: x}\nhostnme: x\n")
        #expect(r.spec == nil)
        #expect(r.diagnostics.map(\.rule) == ["hostname-without-uts", "wrong-type", "unknown-key"])
        #expect(r.diagnostics == r.diagnostics.sortedByLocation())
    }

    @Test func warningsAloneStillValidate() throws {
        let r = check("version: 1\nprocess: {args: [/bin/true], env: {TERM: x}, passEnv: [TERM]}\n")
        #expect(r.diagnostics.map(\.rule) == ["env-name"] && r.diagnostics.allSatisfy { $0.severity == .warning })
        #expect(r.spec != nil)
    }

    @Test func optionsReachTheRules() {
        let yaml = "version: 1\nnamespaces: [user]\n"
        #expect(check(yaml).spec == nil)
        #expect(check(yaml, options: ValidationOptions(argsFromCommandLine: true)).spec != nil)
    }
}
