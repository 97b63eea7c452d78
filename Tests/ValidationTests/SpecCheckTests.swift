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

    /// What ValidatedSpec's views rely on: a spec without it has an error, and no view is built.
    @Test(arguments: [
        "mounts: [{type: bind, target: /usr}]",
        "mounts: [{type: bind, source: /usr}]",
        "mounts: [{type: symlink, target: /bin}]",
        "mounts: [{type: symlink, link: usr/bin}]",
        "mounts: [{type: tmpfs}]",
        "mounts: [{type: dir}]",
        "mounts: [{type: file, content: x}]",
        "network: {veth: [{address: 10.0.0.2/24}]}",
        "network: {veth: [{name: eth0, host: {address: 10.0.0.1/24}}]}",
        "network: {veth: [{name: eth0, address: 10.0.0.2/24, routes: [{via: 10.0.0.1}]}]}",
    ])
    func theViewsGuaranteesAreRequired(_ line: String) {
        let r = check("version: 1\nnamespaces: [mount, net]\nroot: tmpfs\nprocess: {args: [/bin/true]}\n" + line + "\n")
        #expect(r.diagnostics.map(\.rule) == ["missing-field"])
        #expect(r.spec == nil)
    }

    @Test func viewsOfAValidatedSpec() throws {
        let r = check("""
            version: 1
            namespaces: [user, mount, pid, net]
            process: {args: [/bin/true]}
            root: tmpfs
            mounts:
              - {type: bind, source: ., target: /work}
              - {type: proc}
              - {type: file, target: /etc/x}
              - {type: symlink, target: /bin, link: usr/bin}
            network:
              veth:
                - {name: eth0, address: 10.0.0.2/24, routes: [{to: 10.96.0.0/12, via: 10.0.0.1}], host: {name: h0}}
                - {name: eth1}
            """)
        let spec = try #require(r.spec, "\(r.diagnostics)")
        #expect(spec.mounts.map(\.effectiveTarget.value) == ["/work", "/proc", "/etc/x", "/bin"])
        guard case .bind(let source) = spec.mounts[0].kind, case .proc = spec.mounts[1].kind,
              case .file = spec.mounts[2].kind, case .symlink(let link) = spec.mounts[3].kind else {
            Issue.record("kinds: \(spec.mounts.map(\.kind))")
            return
        }
        #expect(source.value == "." && link.value == "usr/bin")
        // The proc mount's default target is blamed on the mount entry.
        #expect(spec.mounts[1].effectiveTarget.location == spec.mounts[1].location)
        #expect(spec.mounts[2].content == nil && spec.mounts[0].type == .bind)
        #expect(spec.veths.map(\.name.value) == ["eth0", "eth1"])
        #expect(spec.veths.map { $0.host?.name.value } == ["h0", nil])
        #expect(spec.veths[0].routes.map { "\($0.to.value)" } == ["10.96.0.0/12"])
        #expect(spec.veths[0].routes.map { $0.via.map { "\($0.value)" } } == ["10.0.0.1"])
        // Everything else reads through to the decoded spec.
        #expect(spec.file == "t.yaml" && spec.creates(.pid) && spec.namespace(.net) != nil && spec.process?.args?.value.count == 1)
    }

    @Test func optionsReachTheRules() {
        let yaml = "version: 1\nnamespaces: [user]\n"
        #expect(check(yaml).spec == nil)
        #expect(check(yaml, options: ValidationOptions(argsFromCommandLine: true)).spec != nil)
    }
}
