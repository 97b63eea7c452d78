import Foundation
import Testing

/// Runs the built `nsspec` binary as a user would and checks its output and exit status.
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The binary sits next to the test bundle in SwiftPM's build folder; NSSPEC_BIN overrides.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["NSSPEC_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("nsspec")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/nsspec")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// nsspec with `args`, in this environment less GITHUB_ACTIONS (which would switch validate's
    /// format), plus `env`.
    static func run(_ args: [String], stdin: String? = nil, cwd: URL = packageRoot, env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cwd
        var environment = ProcessInfo.processInfo.environment
        environment["GITHUB_ACTIONS"] = nil
        environment.merge(env) { $1 }
        p.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func exampleSpecs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("specs").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "specs/" + $0 }
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nsspec-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

let sevenMistakes = """
    version: 1
    namespaces: [user, mount, net]
    hostnme: box
    hostname: box
    uidMap:
      - {inside: 0, outside: 1000, count: 10}
      - {inside: 5, outside: 2000, count: 10}
    mounts:
      - {type: tmpfs, target: /tmp, mode: 0755}
      - {type: tmpfs, target: /run, readonly: yes}
    network:
      veth:
        - name: a-sixteen-bytes!
    process:
      args: [/bin/true]
      args: [/bin/false]

    """

@Suite(.serialized) struct CLITests {
    @Test func everyExampleSpecIsValid() throws {
        let specs = try CLI.exampleSpecs()
        #expect(specs.count >= 6)
        let r = try CLI.run(["validate"] + specs)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout == "\(specs.count) specs checked: all valid\n")
    }

    @Test func everyExampleStartsWithTheSchemaLine() throws {
        for spec in try CLI.exampleSpecs() {
            let text = try String(contentsOf: CLI.packageRoot.appendingPathComponent(spec), encoding: .utf8)
            #expect(text.hasPrefix("# yaml-language-server: $schema=../schema/nsspec.schema.json\n"), "\(spec)")
        }
    }

    @Test func sevenMistakesAreSevenDiagnosticsInOneRun() throws {
        let r = try CLI.run(["validate", "-"], stdin: sevenMistakes)
        #expect(r.status == 1)
        let heads = r.stdout.split(separator: "\n").filter { $0.hasPrefix("<stdin>:") && $0.contains(": error: ") }
        let positions = heads.map { $0.split(separator: ":")[1] }
        #expect(positions == ["3", "4", "7", "9", "10", "13", "16"], "\(r.stdout)")
        #expect(r.stdout.hasSuffix("1 spec checked: 1 invalid; 7 errors, 0 warnings\n"))
    }

    @Test func jsonFormatIsOneObjectPerDiagnostic() throws {
        let r = try CLI.run(["validate", "--format", "json", "-", "specs/hello.yaml"], stdin: sevenMistakes)
        #expect(r.status == 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        let objects = try #require(parsed)
        #expect(objects.count == 7)
        for o in objects {
            #expect(Set(o.keys).isSuperset(of: ["file", "line", "column", "severity", "rule", "message"]))
            #expect(o["file"] as? String == "<stdin>")
        }
        #expect(objects.map { $0["rule"] as? String } == [
            "unknown-key", "hostname-without-uts", "idmap-overlap", "ambiguous-mode", "ambiguous-boolean",
            "interface-name", "duplicate-key",
        ])
        let valid = try CLI.run(["validate", "--format", "json", "specs/hello.yaml"])
        #expect(valid.status == 0)
        #expect(valid.stdout == "[]\n")
    }

    @Test func githubFormatIsOneAnnotationPerDiagnostic() throws {
        let r = try CLI.run(["validate", "--format", "github", "-"], stdin: sevenMistakes)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.allSatisfy { $0.hasPrefix("::error file=<stdin>,line=") })
        #expect(lines[0].hasPrefix("::error file=<stdin>,line=3,col=1,title=nsspec unknown-key::unknown key 'hostnme'"))
        // Notes and hints ride along as extra lines of the same annotation, escaped.
        #expect(lines[1].contains("%0Ahint: add 'uts' to namespaces%0A<stdin>:2:1: note: namespaces are declared here"))
    }

    /// `nsspec cache` where there is no cache directory (neither XDG_CACHE_HOME nor HOME absolute):
    /// `path` is an error that says why, `clear` has nothing to do.
    @Test func cacheWithoutAHomeSaysSo() throws {
        let env = ["HOME": "relative", "XDG_CACHE_HOME": ""]
        let path = try CLI.run(["cache", "path"], env: env)
        #expect(path.status == 1)
        #expect(path.stderr == "nsspec: no cache directory: neither XDG_CACHE_HOME nor HOME is set to an absolute path\n")
        let clear = try CLI.run(["cache", "clear"], env: env)
        #expect(clear.status == 0 && clear.stdout == "nsspec: no cache directory; nothing to clear\n")
        let xdg = try CLI.run(["cache", "path"], env: ["XDG_CACHE_HOME": "/x/y"])
        #expect(xdg.status == 0 && xdg.stdout == "/x/y/nsspec\n")
    }

    /// `--format auto`, the default: GitHub annotations inside GitHub Actions, text elsewhere; an
    /// explicit format is kept.
    @Test func formatAutoFollowsGitHubActions() throws {
        let bad = "Tests/Fixtures/invalid/seven-mistakes.yaml"
        let inside = try CLI.run(["validate", bad], env: ["GITHUB_ACTIONS": "true"])
        #expect(inside.status == 1 && inside.stdout.hasPrefix("::error file=\(bad),line="))
        let outside = try CLI.run(["validate", bad])
        #expect(outside.stdout.hasPrefix("\(bad):") && !outside.stdout.contains("::error"))
        let kept = try CLI.run(["validate", "--format", "text", bad], env: ["GITHUB_ACTIONS": "true"])
        #expect(!kept.stdout.contains("::error"))
    }

    /// A directory stands for every *.yaml and *.yml file under it, sorted, hidden ones skipped;
    /// one without any is an error at the directory.
    @Test func aDirectoryIsEveryYAMLFileUnderIt() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for sub in ["a/b", ".hidden", "empty"] { try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try fm.copyItem(at: CLI.packageRoot.appendingPathComponent("specs/hello.yaml"), to: dir.appendingPathComponent("a/hello.yaml"))
        try fm.copyItem(at: CLI.packageRoot.appendingPathComponent("Tests/Fixtures/invalid/seven-mistakes.yaml"),
                        to: dir.appendingPathComponent("a/b/bad.yml"))
        try fm.copyItem(at: CLI.packageRoot.appendingPathComponent("Tests/Fixtures/invalid/seven-mistakes.yaml"),
                        to: dir.appendingPathComponent(".hidden/skipped.yaml"))
        try Data("not a spec\n".utf8).write(to: dir.appendingPathComponent("a/notes.txt"))
        let r = try CLI.run(["validate", dir.path])
        #expect(r.status == 1)
        #expect(r.stdout.hasSuffix("2 specs checked: 1 invalid; 7 errors, 0 warnings\n"), "\(r.stdout)")
        #expect(r.stdout.contains("\(dir.path)/a/b/bad.yml:") && !r.stdout.contains("skipped.yaml") && !r.stdout.contains("notes.txt"))
        let empty = try CLI.run(["validate", dir.appendingPathComponent("empty").path])
        #expect(empty.status == 1)
        #expect(empty.stdout.hasPrefix("\(dir.appendingPathComponent("empty").path): error: no spec under this directory (no *.yaml or *.yml file) [file-unreadable]"))
        let good = try CLI.run(["validate", dir.appendingPathComponent("a").path + "/", "specs/hello.yaml"])
        #expect(good.stdout.hasSuffix("3 specs checked: 1 invalid; 7 errors, 0 warnings\n"), "\(good.stdout)")
    }

    @Test func warningsFailOnlyWithStrict() throws {
        let spec = "version: 1\nnamespaces: [mount]\nmounts: [{type: tmpfs, target: /a}, {type: tmpfs, target: /a}]\nprocess: {args: [x]}\nroot: tmpfs\n"
        let lax = try CLI.run(["validate", "-"], stdin: spec)
        #expect(lax.status == 0)
        #expect(lax.stdout.contains("<stdin>:3:59: warning: this tmpfs mount on /a hides the earlier tmpfs on the same target [mount-shadowed]"))
        #expect(lax.stdout.hasSuffix("1 spec checked: all valid (1 warning)\n"))
        let strict = try CLI.run(["validate", "--strict", "-"], stdin: spec)
        #expect(strict.status == 1)
    }

    /// The process as the host's uid 0 over the host's writable tree: a warning with its rule id,
    /// which --strict turns into a failure (issue 12: a CI gate for specs that are unsafe as root).
    @Test func hostRootWithHostUID0FailsStrict() throws {
        let spec = "version: 1\nnamespaces: [mount, pid]\nmounts: [{type: proc}]\nprocess: {args: [/bin/true], uid: 0}\n"
        let lax = try CLI.run(["validate", "-"], stdin: spec)
        #expect(lax.status == 0)
        #expect(lax.stdout.contains("<stdin>:4:35: warning: without a new user namespace, the process runs as the host's uid 0 over the host's own tree (no root is set)"))
        #expect(lax.stdout.contains("[host-uid0-writable-root]"))
        let strict = try CLI.run(["validate", "--strict", "-"], stdin: spec)
        #expect(strict.status == 1)
        // Safe variants: read-only host tree, or a subordinate map.
        let readonly = try CLI.run(["validate", "--strict", "-"], stdin: spec + "readonlyRoot: true\n")
        #expect(readonly.status == 0, "\(readonly.stdout)")
        let mapped = "version: 1\nnamespaces: [user, mount, pid]\nuidMap: [{inside: 0, outside: subordinate, count: 65536}]\n"
            + "gidMap: [{inside: 0, outside: subordinate, count: 65536}]\nmounts: [{type: proc}]\nprocess: {args: [/bin/true]}\n"
        #expect(try CLI.run(["validate", "--strict", "-"], stdin: mapped).status == 0)
    }

    @Test func argsMayComeFromTheCommandLine() throws {
        let spec = "version: 1\nnamespaces: [uts]\nhostname: x\n"
        #expect(try CLI.run(["validate", "-"], stdin: spec).status == 1)
        #expect(try CLI.run(["validate", "--args-on-command-line", "-"], stdin: spec).status == 0)
    }

    @Test func defaultsToNsspecYamlInTheCurrentDirectory() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try CLI.run(["validate"], cwd: dir)
        #expect(missing.status == 1)
        #expect(missing.stdout.hasPrefix("nsspec.yaml: error: cannot read the spec: No such file or directory [file-unreadable]\n"))
        #expect(missing.stdout.contains("hint: no ./nsspec.yaml here; give the spec's path (nsspec validate PATH)"))
        try "version: 1\nprocess: {args: [/bin/true]}\n".write(to: dir.appendingPathComponent("nsspec.yaml"), atomically: true, encoding: .utf8)
        let present = try CLI.run(["validate"], cwd: dir)
        #expect(present.status == 0)
        #expect(present.stdout == "1 spec checked: all valid\n")
    }

    @Test func unreadableInputsAreClearErrors() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["validate", "nope.yaml", dir.path, "specs/hello.yaml"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("nope.yaml: error: cannot read the spec: No such file or directory [file-unreadable]"))
        #expect(r.stdout.contains("\(dir.path): error: no spec under this directory (no *.yaml or *.yml file) [file-unreadable]"))
        #expect(r.stdout.hasSuffix("3 specs checked: 2 invalid; 2 errors, 0 warnings\n"))
        let json = try CLI.run(["validate", "--format", "json", "nope.yaml"])
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(objects?.first?["rule"] as? String == "file-unreadable")
    }

    @Test func badUsageExits64() throws {
        for args in [["validate", "--format", "xml"], ["frobnicate"], ["validate", "-", "-"], ["validate", "--no-such-flag"]] {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(!r.stderr.isEmpty)
        }
    }

    /// The hand-written argument parser's messages: what was wrong, the usage, where to read more.
    @Test func usageErrorsSayWhatWasWrong() throws {
        let cases: [([String], String)] = [
            (["validate", "--formt", "json"], "nsspec: unknown option '--formt'; did you mean '--format'?\nusage: nsspec validate [--format auto|text|json|github|sarif|junit] [--strict] [--host] [--args-on-command-line] [FILE|DIR…]\nSee 'nsspec validate --help'.\n"),
            (["validate", "--format", "xml"], "nsspec: --format must be one of auto, text, json, github, sarif, junit, not 'xml'\n"),
            (["validate", "--format"], "nsspec: --format needs a value\n"),
            (["valdate"], "nsspec: no command 'valdate'; did you mean 'validate'?\nusage: nsspec <validate|plan|run|ps|exec|stop|export|cache|init|doctor|completion> [options] [FILE…]\nSee 'nsspec --help'.\n"),
            (["cache"], "nsspec: cache needs an action: clear or path\nusage: nsspec cache <clear|path>\nSee 'nsspec cache --help'.\n"),
            (["cache", "purge"], "nsspec: no cache action 'purge'; the actions are clear and path\n"),
            (["cache", "clear", "now"], "nsspec: cache takes one action, not 2 (clear now)\n"),
            (["cache", "clear", "--force"], "nsspec: unknown option '--force'\n"),
            (["run", "--no-cach"], "nsspec: unknown option '--no-cach'; did you mean '--no-cache'?\n"),
            (["run", "a.yaml", "b.yaml"], "nsspec: run takes one spec, not 2 (a.yaml b.yaml)\n"),
            (["validate", "--", "x"], "nsspec: 'validate' takes no command after '--'\n"),
            (["help", "nope"], "nsspec: no command 'nope'\n"),
        ]
        for (args, start) in cases {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix(start), "\(args): \(r.stderr)")
        }
        // After `--`, words belong to the sandbox's command, --help included.
        let plan = try CLI.run(["plan", "specs/hello.yaml", "--", "/bin/echo", "--help"])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("exec /bin/echo --help") || plan.stdout.contains("posix_spawn /bin/echo --help"), "\(plan.stdout)")
        #expect(try CLI.run(["help", "plan"]).stdout.hasPrefix("Print the steps `run` would take"))
        #expect(try CLI.run(["validate", "-h"]).stdout.contains("usage: nsspec validate"))
    }

    @Test func helpAndVersion() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("validate"))
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "0.1.0\n")
    }

    @Test func validatesAThousandSpecsInOneInvocation() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try String(contentsOf: CLI.packageRoot.appendingPathComponent("specs/ci-build.yaml"), encoding: .utf8)
        var names: [String] = []
        for i in 0..<1000 {
            let name = "s\(i).yaml"
            try spec.write(to: dir.appendingPathComponent(name), atomically: false, encoding: .utf8)
            names.append(name)
        }
        let r = try CLI.run(["validate"] + names, cwd: dir)
        #expect(r.status == 0)
        #expect(r.stdout == "1000 specs checked: all valid\n")
    }
}

/// Only regular files are read as specs: a FIFO (or a device) would block the read for ever.
@Suite struct SpecFileKindTests {
    @Test func aFIFOIsRefusedNotWaitedOn() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("spec.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for command in ["validate", "plan", "run"] {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = [command, fifo]
            let err = Pipe(), out = Pipe()
            p.standardError = err
            p.standardOutput = out
            try p.run()
            let deadline = Date().addingTimeInterval(5)
            while p.isRunning && Date() < deadline { usleep(10_000) }
            if p.isRunning {
                p.terminate()
                Issue.record("nsspec \(command) waited on a FIFO for 5 s")
                continue
            }
            // validate reports on standard output, plan and run on standard error.
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile() + err.fileHandleForReading.readDataToEndOfFile(),
                              as: UTF8.self)
            #expect(p.terminationStatus == (command == "run" ? 125 : 1), "\(command): \(text)")
            #expect(text.contains("cannot read the spec: not a regular file (a FIFO)"), "\(command): \(text)")
        }
    }
}
