import Planning
import SpecFormat
import Testing
import Validation

/// `nsspec export --format oci` from a plan, without the kernel: what is written, what is lost
/// and where, and the same bytes every time.
@Suite struct OCIExportTests {
    func export(_ text: String, written: Set<String> = []) throws -> OCIExport {
        let plan = Planner(spec: try loadSpec(text: text), caller: Who.rootless.caller).plan()
        return OCIExport(plan: plan, written: written, architecture: "x86_64", bundle: "/b", environment: { $0 == "TERM" ? "xterm" : nil }) { _, lines in
            .success(lines.map { line in
                let outside: UInt32 = switch line.outside {
                case .id(let id): id
                case .caller: 1000
                case .subordinate: 100_000
                }
                return (line.inside, outside, line.count)
            })
        }
    }

    static let base = """
        version: 1
        namespaces: [user, mount, uts, pid]
        hostname: box
        root: tmpfs
        mounts:
          - {type: proc}
          - {type: symlink, target: /bin, link: usr/bin}
        process:
          args: [/bin/sh, -c, "echo\\tdone"]
          env: {PATH: /usr/bin, QUOTE: "say \\"hi\\""}
          passEnv: [TERM, MISSING]
          init: false

        """

    @Test func theConfigIsDeterministicAndEscaped() throws {
        let a = try export(Self.base).config.rendered(), b = try export(Self.base).config.rendered()
        #expect(a == b)
        #expect(a.contains(#""QUOTE=say \"hi\"""#), "\(a)")
        #expect(a.contains(#""echo\tdone""#))
        #expect(a.contains(#""TERM=xterm""#) && !a.contains("MISSING"), "passEnv resolved now, a missing name left out:\n\(a)")
        #expect(a.contains(#""containerID": 0"#) && a.contains(#""hostID": 1000"#))
        #expect(a.contains(#""maskedPaths""#) && a.contains(#""/proc/kcore""#))
        #expect(a.hasPrefix("{\n  \"ociVersion\": \"1.1.0\",\n"))
    }

    @Test func whatHasNoOCIFormIsListedAtItsLine() throws {
        let veth = Self.base.replacingOccurrences(of: "namespaces: [user, mount, uts, pid]", with: "namespaces: [user, mount, uts, pid, net]")
            + "network:\n  veth: [{name: eth0, address: 10.0.0.2/24}]\n"
        let e = try export(veth)
        #expect(e.dropped.map(\.message).contains { $0.hasPrefix("network.veth") })
        #expect(e.dropped.filter { $0.message.hasPrefix("network.veth") }.count == 1, "one loss, once")
        #expect(e.dropped.first { $0.message.hasPrefix("network.veth") }?.location.line == 14, "the veth line")
        // nsspec's own defaults are no loss the spec asked for; written, they are.
        let initDefault = try export(Self.base.replacingOccurrences(of: "  init: false\n", with: ""))
        #expect(!initDefault.dropped.contains { $0.message.contains("tiny init") })
        let initWritten = try export(Self.base.replacingOccurrences(of: "init: false", with: "init: true"), written: ["process.init"])
        #expect(initWritten.dropped.contains { $0.message.contains("tiny init") })
    }

    @Test func theHostTreeAsRootIsRefused() throws {
        let host = Self.base.replacingOccurrences(of: "root: tmpfs\n", with: "").replacingOccurrences(of: "  - {type: symlink, target: /bin, link: usr/bin}\n", with: "")
        let e = try export(host)
        #expect(e.unsupported.contains { $0.message.hasPrefix("the host's own tree as the root") })
    }
}
