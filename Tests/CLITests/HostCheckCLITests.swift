import Foundation
import Testing

/// `nsspec validate --host`: the host checks of `run`'s preflight, every problem of every spec,
/// each at its spec line, in every format; plain `validate` reads no host state.
@Suite(.serialized) struct HostCheckCLITests {
    /// A bind source that is not there (absolute, and relative to the spec's directory), and a
    /// map that needs more subordinate uids than anyone has: three problems, one run.
    static let threeProblems = """
        version: 1
        namespaces: [user, mount, pid]
        uidMap:
          - {inside: 0, outside: self, count: 1}
          - {inside: 1, outside: subordinate, count: 4000000000}
        root: tmpfs
        mounts:
          - {type: bind, source: /usr, target: /usr, readonly: true}
          - {type: bind, source: /nonexistent-nsspec-typo, target: /srv}
          - {type: bind, source: ./not-here, target: /work}
          - {type: proc}
        process:
          args: [/bin/true]

        """

    func specFile(_ text: String) throws -> (dir: URL, path: String) {
        let dir = try CLI.tempDir()
        let file = dir.appendingPathComponent("spec.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return (dir, file.path)
    }

    /// A namespace to join that is not there: found by `--host`, at the path's line, with the fix.
    @Test func aJoinedNamespaceThatIsNotThere() throws {
        let (dir, path) = try specFile("""
            version: 1
            namespaces: [mount, {type: net, path: /run/netns/nsspec-no-such-netns}]
            process: {args: [/bin/true]}

            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["validate", path]).status == 0)
        let host = try CLI.run(["validate", "--host", "--format", "text", path])
        #expect(host.status == 1, "\(host.stdout)")
        #expect(host.stdout.contains("spec.yaml:2:39: error: there is no net namespace to join at /run/netns/nsspec-no-such-netns"), "\(host.stdout)")
        #expect(host.stdout.contains("[host-namespace-missing]"))
        #expect(host.stdout.contains("ip netns list"))
    }

    @Test func aBindSourceTypoPassesValidateButNotHost() throws {
        let (dir, path) = try specFile(Self.threeProblems)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try CLI.run(["validate", path])
        #expect(plain.status == 0, "\(plain.stdout)")
        #expect(plain.stdout == "1 spec checked: all valid\n")

        let host = try CLI.run(["validate", "--host", "--format", "text", path])
        #expect(host.status == 1, "\(host.stdout)")
        #expect(host.stdout.contains("\(path):9:5: error: /nonexistent-nsspec-typo does not exist: No such file or directory (ENOENT) [host-source-missing]\n"),
                "\(host.stdout)")
        #expect(host.stdout.contains("\(path):10:5: error: \(dir.path)/not-here does not exist"), "\(host.stdout)")
        #expect(host.stdout.contains("      = hint: create it, fix the path (relative paths are relative to the spec file), or add `optional: true`"))
        // The map needs more subordinate uids than the caller has: the fix names usermod.
        #expect(host.stdout.contains("\(path):4:3: error: /etc/subuid gives "), "\(host.stdout)")
        #expect(host.stdout.contains("the map needs 4000000000 [host-subordinate-range]"))
        // The range starts past every range /etc/subuid gives anyone, so no two users share ids.
        #expect(host.stdout.contains("= hint: as root: usermod --add-subuids "))
        let hint = try #require(host.stdout.firstRange(of: "--add-subuids ").map { host.stdout[$0.upperBound...].prefix { $0 != " " } })
        let bounds = hint.split(separator: "-").compactMap { UInt64($0) }
        #expect(bounds.count == 2 && bounds[1] - bounds[0] + 1 == 4_000_000_000, "\(hint)")
        let subuid = (try? String(contentsOfFile: "/etc/subuid", encoding: .utf8)) ?? ""
        for line in subuid.split(separator: "\n") {
            let f = line.split(separator: ":")
            guard f.count == 3, let start = UInt64(f[1]), let n = UInt64(f[2]), bounds.count == 2 else { continue }
            #expect(bounds[0] >= start + n || bounds[1] < start, "the hint's range \(hint) overlaps \(line) of /etc/subuid")
        }
        #expect(host.stdout.hasSuffix("1 spec checked: 1 invalid; 3 errors, 0 warnings\n"), "\(host.stdout)")
    }

    /// JSON and GitHub annotations carry the host problems as they carry the spec's.
    @Test func everyFormatCarriesTheHostProblems() throws {
        let (dir, path) = try specFile(Self.threeProblems)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = try CLI.run(["validate", "--host", "--format", "json", path])
        #expect(json.status == 1)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let rules = objects.map { $0["rule"] as? String }
        #expect(rules.filter { $0 == "host-source-missing" }.count == 2, "\(json.stdout)")
        #expect(rules.contains("host-subordinate-range"))
        #expect(Set(objects.compactMap { $0["line"] as? Int }) == [4, 9, 10], "\(json.stdout)")
        let typo = try #require(objects.first { ($0["message"] as? String)?.hasPrefix("/nonexistent-nsspec-typo") == true })
        #expect(typo["line"] as? Int == 9 && typo["column"] as? Int == 5 && typo["hint"] != nil)

        let sarif = try CLI.run(["validate", "--host", "--format", "sarif", path])
        #expect(sarif.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["ruleId"] as? String }.sorted() == ["host-source-missing", "host-source-missing", "host-subordinate-range"])
        #expect(results.allSatisfy { $0["ruleIndex"] is Int }, "the host rules are in the catalog")
        let junit = try CLI.run(["validate", "--host", "--format", "junit", path])
        #expect(junit.status == 1 && junit.stdout.contains("message=\"3 errors, 0 warnings\"") && junit.stdout.contains("[host-source-missing]"))

        let github = try CLI.run(["validate", "--host", "--format", "github", path])
        #expect(github.status == 1)
        #expect(github.stdout.contains("::error file=\(path),line=9,col=5,title=nsspec host-source-missing::/nonexistent-nsspec-typo does not exist"),
                "\(github.stdout)")
    }

    /// A spec with a mount target missing on the host (root: host creates nothing there): its
    /// own rule.
    @Test func aMissingMountTargetOnTheHostTree() throws {
        let spec = "version: 1\nnamespaces: [user, mount]\nmounts:\n  - {type: tmpfs, target: /nonexistent-nsspec-target}\nprocess: {args: [/bin/true]}\n"
        let plain = try CLI.run(["validate", "-"], stdin: spec)
        #expect(plain.status == 0)
        let host = try CLI.run(["validate", "--host", "-"], stdin: spec)
        #expect(host.status == 1)
        #expect(host.stdout.contains("<stdin>:4:27: error: the mount target /nonexistent-nsspec-target does not exist on the host"), "\(host.stdout)")
        #expect(host.stdout.contains("[host-mount-target]"))
    }

    /// Specs this host can run pass --host too; every example is checked, with an optional
    /// missing source skipped as `run` skips it.
    @Test func aGoodSpecPasses() throws {
        let good = try CLI.run(["validate", "--host", "specs/hello.yaml", "specs/tmpfs-root.yaml"])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout == "2 specs checked: all valid\n")
        let optional = "version: 1\nnamespaces: [user, mount]\nroot: tmpfs\n"
            + "mounts: [{type: bind, source: /nonexistent-nsspec-cache, target: /cache, optional: true}]\nprocess: {args: [/bin/true]}\n"
        let skipped = try CLI.run(["validate", "--host", "-"], stdin: optional)
        #expect(skipped.status == 0, "\(skipped.stdout)")
    }

    /// `process.terminal: true` with no terminal on standard input: `run` from here would refuse,
    /// which --host says as a warning (a CI job has no terminal); --strict fails on it.
    @Test func noTerminalIsAWarning() throws {
        let spec = "version: 1\nnamespaces: [user]\nprocess: {args: [/bin/true], terminal: true}\n"
        let lax = try CLI.run(["validate", "--host", "-"], stdin: spec)
        #expect(lax.status == 0, "\(lax.stdout)")
        #expect(lax.stdout.contains("warning: process.terminal is true, but nsspec's standard input is not a terminal [host-terminal]"), "\(lax.stdout)")
        let strict = try CLI.run(["validate", "--host", "--strict", "-"], stdin: spec)
        #expect(strict.status == 1)
    }
}
