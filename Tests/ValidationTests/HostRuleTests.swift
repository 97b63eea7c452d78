import Diagnostics
import SpecFormat
import Testing
@testable import Validation

/// root: host: what each mount lands on, and the two rules that read it.
@Suite struct HostRuleTests {
    func table(_ lines: String) throws -> [Mount] {
        let loaded = SpecLoader.load(Array("version: 1\nnamespaces: [user, mount]\nmounts:\n\(lines)process: {args: [a]}\n".utf8), file: "t.yaml")
        return try #require(loaded.spec?.mounts?.value)
    }

    @Test func eachMountLandsOnTheNearestEarlierMountAboveIt() throws {
        let t = try table("""
              - {type: tmpfs, target: /a}
              - {type: dir, target: /a/d}
              - {type: bind, source: /usr, target: /a/u}
              - {type: file, target: /a/u/f}
              - {type: tmpfs, target: /a}
              - {type: file, target: /a/d/x}
              - {type: file, target: /b/x}
              - {type: file, target: /ab}

            """)
        let under = HostTree.enclosing(t).map { $0.map { "\($0.type.rawValue) \($0.effectiveTarget?.value ?? "")" } ?? "host" }
        // A dir entry is no mount: /a/d/x lands on the later tmpfs at /a; /ab is not under /a.
        #expect(under == ["host", "tmpfs /a", "tmpfs /a", "bind /a/u", "tmpfs /a", "tmpfs /a", "host", "host"])
    }

    @Test func createsOnlyInsideATmpfsOfTheSpec() throws {
        let d = check("version: 1\nnamespaces: [user, mount]\nmounts:\n  - {type: dev}\n  - {type: symlink, target: /dev/x, link: zero}\n"
            + "  - {type: bind, source: /usr, target: /dev/u}\n  - {type: dir, target: /dev/u/y}\nprocess: {args: [a]}\n")
        #expect(found(d) == [Found("host-root-creates", 7, 25)])
        #expect(d.first?.message == "with root: host, this dir entry would create /dev/u/y on the bind mount at /dev/u")
        // A root of its own: anything goes.
        #expect(check("version: 1\nnamespaces: [user, mount]\nroot: tmpfs\nmounts: [{type: file, target: /etc/x}]\nprocess: {args: [a]}\n").isEmpty)
    }

    @Test func theHostsUIDZeroOverAWritableHostTree() {
        func rules(_ yaml: String, root: Bool = false) -> [String] {
            check("version: 1\n" + yaml + "process: {args: [a]}\n", options: ValidationOptions(runAsRoot: root), everyRule: true).map(\.rule)
        }
        let warn = ["host-uid0-writable-root"]
        #expect(rules("namespaces: [mount]\n") == warn)                          // no user namespace: only root runs it
        #expect(rules("namespaces: [mount]\nreadonlyRoot: true\n") == [])         // read-only host tree
        #expect(rules("namespaces: [mount]\nroot: tmpfs\n") == [])                // a root of its own
        #expect(rules("namespaces: [mount]\nroot: {path: /srv/r, readonly: true}\n") == [])
        #expect(rules("namespaces: [mount]\nroot: {path: /srv/r}\n") == warn)     // a writable host directory
        #expect(rules("") == [])                                                  // no namespaces: the caller's own uid
        #expect(rules("", root: true) == warn)
        #expect(rules("namespaces: [user, mount]\n") == [])                       // the default map: the caller
        #expect(rules("namespaces: [user, mount]\n", root: true) == warn)         // ... who is root
        #expect(rules("namespaces: [user, mount]\nuidMap: [{inside: 0, outside: 0, count: 1}]\n") == warn)
        #expect(rules("namespaces: [user, mount]\nuidMap: [{inside: 0, outside: subordinate, count: 10}]\n", root: true) == [])
        // No uid: the process keeps root's uid, which the map shows as 65536 (seen writing /root).
        let subordinatePlusSelf = "namespaces: [user, mount]\nuidMap: [{inside: 0, outside: subordinate, count: 65536}, "
        #expect(rules(subordinatePlusSelf + "{inside: 65536, outside: self, count: 1}]\n", root: true) == warn)
        #expect(rules(subordinatePlusSelf + "{inside: 65536, outside: self, count: 1}]\n") == [])     // an unprivileged caller
        #expect(rules(subordinatePlusSelf + "{inside: 65536, outside: 0, count: 1}]\n") == warn)      // only root writes outside 0
        #expect(rules("namespaces: [user, mount]\nuidMap: [{inside: self, outside: self, count: 1}]\n", root: true) == warn)
        #expect(rules("namespaces: [user, mount]\nuidMap: [{inside: self, outside: self, count: 1}]\n") == [])
    }
}
