import Foundation
import Testing

/// `nsspec doctor` as a user runs it, on this very host (Executor's DoctorTests cover the
/// wording of each fact on the model of the kernel).
@Suite(.serialized) struct DoctorCLITests {
    /// The report names this kernel as uname does, groups its facts, and ends with a result; the
    /// exit status follows the basics (root here, or a user namespace).
    @Test func reportsThisHost() throws {
        let r = try CLI.run(["doctor"])
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(r.stdout.contains("\n  ok    kernel \(release) ("), "\(r.stdout)")
        for title in ["\nkernel\n", "\nuser namespaces\n", "\nid maps beyond your own id\n", "\nnetwork\n"] {
            #expect(r.stdout.contains(title), "\(title)")
        }
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.last?.hasPrefix("result: ") == true)
        // Every fact line is ok, no or info; every `no` is followed by its fix.
        for (i, line) in lines.enumerated() where line.hasPrefix("  ") && !line.hasPrefix("        ") {
            #expect(line.hasPrefix("  ok    ") || line.hasPrefix("  no    ") || line.hasPrefix("  info  "), "\(line)")
            if line.hasPrefix("  no    ") { #expect(lines[i + 1].hasPrefix("        fix: "), "\(line)") }
        }
        #expect(r.status == (r.stdout.contains("can make a user namespace now") || getuid() == 0 ? 0 : 1), "\(r.stdout)")
        #expect(r.stderr.isEmpty)
    }

    /// A spec whose bind source is missing cannot run here: exit 1, the problem at its line.
    @Test func aSpecWithAMissingSource() throws {
        let spec = "version: 1\nnamespaces: [user, mount]\nroot: tmpfs\nmounts:\n  - {type: bind, source: /nonexistent-nsspec-doctor, target: /x}\n"
        let r = try CLI.run(["doctor", "-"], stdin: spec)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("\n  no    <stdin>:5:5: /nonexistent-nsspec-doctor does not exist: No such file or directory (ENOENT) [host-source-missing]\n"
                                  + "        fix: create it, fix the path"), "\(r.stdout)")
        #expect(r.stdout.contains("\nresult: <stdin> cannot run here, as "))
        // The same spec with the source present can (process.args may come after '--').
        let good = try CLI.run(["doctor", "-"], stdin: spec.replacingOccurrences(of: "/nonexistent-nsspec-doctor", with: "/usr"))
        #expect(good.status == (good.stdout.contains("can make a user namespace now") ? 0 : 1), "\(good.stdout)")
        #expect(good.stdout.contains("\nresult: <stdin> can run here, as ") == (good.status == 0))
    }

    /// An invalid spec: its diagnostics first, then the host, and exit 1.
    @Test func anInvalidSpec() throws {
        let r = try CLI.run(["doctor", "-"], stdin: "version: 1\nnamespaces: [user]\nhostnme: x\n")
        #expect(r.status == 1)
        #expect(r.stdout.contains("<stdin>:3:1: error: unknown key 'hostnme'"), "\(r.stdout)")
        #expect(r.stdout.contains("\nspec <stdin>\n  no    the spec cannot be read or has 1 error (above)\n        fix: nsspec validate <stdin>\n"),
                "\(r.stdout)")
    }

    @Test func usage() throws {
        let two = try CLI.run(["doctor", "a.yaml", "b.yaml"])
        #expect(two.status == 64)
        #expect(two.stderr == "nsspec: doctor takes one spec at most, not 2 (a.yaml b.yaml)\nusage: nsspec doctor [FILE]\nSee 'nsspec doctor --help'.\n")
        #expect(try CLI.run(["doctor", "--verbose"]).status == 64)
        let help = try CLI.run(["doctor", "--help"])
        #expect(help.status == 0 && help.stdout.hasPrefix("What this host allows and lacks for nsspec sandboxes"))
        #expect(try CLI.run(["--help"]).stdout.contains("\n  doctor     what this host allows and lacks"))
        #expect(try CLI.run(["docter"]).stderr.hasPrefix("nsspec: no command 'docter'; did you mean 'doctor'?"))
    }
}
