import Foundation
import Testing

/// `nsspec plan` and the command line of `nsspec run` (the sandboxes themselves are tested for
/// real by Tests/integration/run.sh, as root and rootless).
@Suite(.serialized) struct RunAndPlanCLITests {
    @Test func planPrintsEveryExampleWithSpecLines() throws {
        for spec in try CLI.exampleSpecs() {
            let r = try CLI.run(["plan", spec])
            #expect(r.status == 0, "\(spec): \(r.stderr)")
            #expect(r.stdout.hasPrefix("plan for \(spec)"))
            #expect(r.stdout.contains("[\(spec):"), "\(spec): no spec line in the plan")
            for stage in ["sandbox process", "process", "supervise"] {
                #expect(r.stdout.contains("\n\(stage)\n"), "\(spec): no \(stage) stage")
            }
        }
    }

    @Test func planJSONParses() throws {
        let r = try CLI.run(["plan", "--format", "json", "specs/hello.yaml"])
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let steps = try #require(object?["steps"] as? [[String: Any]])
        #expect(steps.first?["stage"] as? String == "preflight")
        #expect(steps.last?["op"] as? String == "supervise")
        #expect(steps.allSatisfy { ($0["location"] as? [String: Any])?["line"] is Int })
        let several = try CLI.run(["plan", "--format", "json"] + CLI.exampleSpecs())
        #expect(try (JSONSerialization.jsonObject(with: Data(several.stdout.utf8)) as? [Any])?.count == CLI.exampleSpecs().count)
    }

    @Test func planWithACommand() throws {
        let r = try CLI.run(["plan", "specs/hello.yaml", "--", "/bin/echo", "hi there"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("posix_spawn /bin/echo 'hi there' in /"))
    }

    @Test func invalidSpecs() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try sevenMistakes.write(to: dir.appendingPathComponent("bad.yaml"), atomically: false, encoding: .utf8)
        let plan = try CLI.run(["plan", "bad.yaml"], cwd: dir)
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("bad.yaml:3:1: error: unknown key 'hostnme'"))
        let run = try CLI.run(["run", "bad.yaml"], cwd: dir)
        #expect(run.status == 125)
        #expect(run.stderr == plan.stderr, "run reports a bad spec exactly as plan and validate do")
    }

    @Test func runsCommandLine() throws {
        #expect(try CLI.run(["run", "--help"]).stdout.contains("128+N if it died by signal N"))
        for args in [["run", "-x"], ["run", "a.yaml", "b.yaml"], ["plan", "--format", "xml"]] {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
        }
        let missing = try CLI.run(["run"], cwd: URL(fileURLWithPath: "/"))
        #expect(missing.status == 125)
        #expect(missing.stderr.contains("nsspec.yaml: error: cannot read the spec"))
    }

    /// Only planned here: a veth run belongs in a throwaway network namespace
    /// (Tests/integration/run.sh, t_network), never in the machine's own.
    @Test func vethIsPlannedWithBothSides() throws {
        let r = try CLI.run(["plan", "specs/veth.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in [
            "host network\n",
            "parent  veth pair: nsspec-demo0 on the host, eth0 created in the init's net namespace (mtu 1400, eth0 mac 02:00:0a:fa:00:02)  [specs/veth.yaml:18:7]",
            "parent  address 10.250.0.1/30 on nsspec-demo0  [specs/veth.yaml:25:44]",
            "parent  -> init: host side ready",
            "init    route default via 10.250.0.1 dev eth0  [specs/veth.yaml:20:16]",
        ] {
            #expect(r.stdout.contains(line), "missing: \(line)")
        }
    }
}

/// The kernel model of the tests stays out of the product: the binary links none of it (the
/// release binary is checked the same way by hand, `nm .build-release/release/nsspec`).
@Suite struct ProductContentsTests {
    @Test func theBinaryHoldsNoneOfTheKernelModel() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nm")
        p.arguments = [CLI.binary.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let symbols = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        // Mangled names: a module is "<length><name>" ($s6System…, $s11KernelModel…).
        #expect(symbols.contains("$s6System"), "nm read no Swift symbols from \(CLI.binary.path)")
        let model = symbols.split(separator: "\n").filter { $0.contains("11KernelModel") }
        #expect(model.isEmpty, "\(model.prefix(5))")
    }
}
