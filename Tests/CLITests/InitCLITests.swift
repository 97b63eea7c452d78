import Foundation
import Testing

/// `nsspec init`: each template is a valid spec as written (the check `validate` makes, no
/// warning either, and `plan` has nothing to say about it), and nothing already there is touched.
@Suite(.serialized) struct InitCLITests {
    static let templates = ["minimal", "ci", "rootfs", "network"]

    @Test(arguments: templates) func everyTemplateIsValidAsWritten(_ template: String) throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try CLI.run(["init", "--template", template, "spec.yaml"], cwd: dir)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stderr == "")
        #expect(made.stdout.hasPrefix("wrote spec.yaml: template '\(template)', "), "\(made.stdout)")
        #expect(made.stdout.hasSuffix("next:\n  nsspec validate spec.yaml\n  nsspec plan spec.yaml\n  nsspec run spec.yaml\n"), "\(made.stdout)")
        let strict = try CLI.run(["validate", "--strict", "spec.yaml"], cwd: dir)
        #expect(strict.status == 0)
        #expect(strict.stdout == "1 spec checked: all valid\n", "\(template): \(strict.stdout)")
        // plan adds what only the caller tells (host-uid0-writable-root as root): nothing either.
        let plan = try CLI.run(["plan", "spec.yaml"], cwd: dir)
        #expect(plan.status == 0)
        #expect(plan.stderr == "", "\(template): \(plan.stderr)")
        #expect(plan.stdout.hasPrefix("plan for spec.yaml (\(template)): "))
        // `-`: the same spec on standard output, and nothing else.
        let printed = try CLI.run(["init", "-t", template, "-"], cwd: dir)
        #expect(printed.status == 0)
        #expect(printed.stdout.hasPrefix("# yaml-language-server: $schema="))
        #expect(printed.stdout.contains("\nname: \(template)"))
        let stdinCheck = try CLI.run(["validate", "--strict", "-"], stdin: printed.stdout)
        #expect(stdinCheck.stdout == "1 spec checked: all valid\n", "\(template): \(stdinCheck.stdout)")
    }

    /// The modeline points at the schema beside this nsspec: relative inside its source tree (as
    /// the examples' lines are), absolute elsewhere.
    @Test func theModelinePointsAtTheSchema() throws {
        let inTree = try CLI.run(["init", "-"])
        #expect(inTree.stdout.hasPrefix("# yaml-language-server: $schema=schema/nsspec.schema.json\n"), "\(inTree.stdout.prefix(200))")
        let inSpecs = try CLI.run(["init", "-"], cwd: CLI.packageRoot.appendingPathComponent("specs"))
        #expect(inSpecs.stdout.hasPrefix("# yaml-language-server: $schema=../schema/nsspec.schema.json\n"))
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let elsewhere = try CLI.run(["init", "-"], cwd: dir)
        let schema = CLI.packageRoot.appendingPathComponent("schema/nsspec.schema.json").resolvingSymlinksInPath().path
        #expect(elsewhere.stdout.hasPrefix("# yaml-language-server: $schema=\(schema)\n"), "\(elsewhere.stdout.prefix(200))")
    }

    @Test func theDefaultIsMinimalInNsspecYaml() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["init"], cwd: dir)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("wrote nsspec.yaml: template 'minimal', "))
        let text = try String(contentsOf: dir.appendingPathComponent("nsspec.yaml"), encoding: .utf8)
        #expect(text.contains("\nname: minimal "))
        // What `validate` and `run` read with no FILE.
        #expect(try CLI.run(["validate", "--strict"], cwd: dir).stdout == "1 spec checked: all valid\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("nsspec.yaml").path)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o111 } == 0, "a spec is not executable")
    }

    /// A file, a directory, a symlink to a file and a dangling symlink: each refused with its
    /// name, exit 1, and left exactly as it was (the dangling link's target is not created).
    @Test func anythingAlreadyThereIsRefusedAndLeftAlone() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try "mine\n".write(to: dir.appendingPathComponent("file.yaml"), atomically: false, encoding: .utf8)
        try fm.createDirectory(at: dir.appendingPathComponent("dir.yaml"), withIntermediateDirectories: false)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("link.yaml").path, withDestinationPath: "file.yaml")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("dangling.yaml").path, withDestinationPath: "nowhere.yaml")
        for name in ["file.yaml", "dir.yaml", "link.yaml", "dangling.yaml"] {
            for template in Self.templates {
                let r = try CLI.run(["init", "--template", template, name], cwd: dir)
                #expect(r.status == 1, "\(name)")
                #expect(r.stdout == "")
                #expect(r.stderr == "nsspec: \(name) already exists; init never overwrites a file: remove it, or give another FILE\n")
            }
        }
        #expect(try String(contentsOf: dir.appendingPathComponent("file.yaml"), encoding: .utf8) == "mine\n")
        #expect(try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("dir.yaml").path).isEmpty)
        #expect(try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("link.yaml").path) == "file.yaml")
        #expect(try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("dangling.yaml").path) == "nowhere.yaml")
        #expect(!fm.fileExists(atPath: dir.appendingPathComponent("nowhere.yaml").path))
        #expect(try fm.contentsOfDirectory(atPath: dir.path).sorted() == ["dangling.yaml", "dir.yaml", "file.yaml", "link.yaml"])
    }

    @Test func usageErrors() throws {
        let cases: [([String], String)] = [
            (["init", "--template", "minmal"], "nsspec: no template 'minmal'; did you mean 'minimal'? (the templates are minimal, ci, rootfs, network)\nusage: nsspec init [--template minimal|ci|rootfs|network] [FILE]\nSee 'nsspec init --help'.\n"),
            (["init", "-t", "netwrk"], "nsspec: no template 'netwrk'; did you mean 'network'?"),
            (["init", "--template", "docker"], "nsspec: no template 'docker' (the templates are minimal, ci, rootfs, network)\n"),
            (["init", "--template"], "nsspec: --template needs a value\n"),
            (["init", "a.yaml", "b.yaml"], "nsspec: init writes one spec, not 2 (a.yaml b.yaml)\n"),
            (["init", "--force"], "nsspec: unknown option '--force'\n"),
            (["int"], "nsspec: no command 'int'; did you mean 'init'?\n"),
        ]
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (args, start) in cases {
            let r = try CLI.run(args, cwd: dir)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix(start), "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "a usage error writes nothing")
        let missingDirectory = try CLI.run(["init", "no/such/dir/nsspec.yaml"], cwd: dir)
        #expect(missingDirectory.status == 1)
        #expect(missingDirectory.stderr == "nsspec: cannot create no/such/dir/nsspec.yaml: open: No such file or directory\n")
        #expect(try CLI.run(["init", "--help"]).stdout.hasPrefix("Write a commented spec to start from"))
    }
}
