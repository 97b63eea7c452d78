import Executor
import KernelModel
import Planning
import Testing

/// process.terminal as plans, and its preflight in the model (which has no terminal). The pty,
/// the relay and everything a user at a terminal sees are in Tests/integration/areas/terminal.sh.
@Suite struct TerminalTests {
    static func ops(_ process: String, mounts: String = "  - {type: dev}\n", namespaces: String = "[user, mount, pid]") throws -> [String] {
        let root = namespaces.contains("mount") ? "root: tmpfs\n" : ""
        let table = mounts.isEmpty ? "" : "mounts:\n\(mounts)"
        let text = "version: 1\nnamespaces: \(namespaces)\n\(root)\(table)process:\n  args: [/bin/sh]\n" + process
        return Planner(spec: try loadSpec(text: text), caller: Who.rootless.caller).plan().steps.map(\.action.op)
    }

    @Test func theStepsFollowTheKey() throws {
        let auto = try Self.ops("")
        #expect(auto.filter { $0.contains("terminal") || $0 == "private-devpts" } == ["check-terminal", "open-terminal"])
        #expect(auto.firstIndex(of: "open-terminal")! < auto.firstIndex(of: "setsid")!)
        #expect(try Self.ops("  terminal: false\n").allSatisfy { !$0.contains("terminal") && $0 != "private-devpts" })
        let plan = Planner(spec: try loadSpec(text: "version: 1\nprocess:\n  args: [/bin/sh]\n  terminal: true\n"),
                           caller: Who.rootless.caller).plan()
        #expect(plan.steps.contains { $0.action == .checkTerminal(required: true) })
        // No devpts at /dev/pts in the table: a private one, in the mounts stage.
        let privateOne = try Self.ops("", mounts: "  - {type: tmpfs, target: /tmp}\n")
        #expect(privateOne.contains("private-devpts"))
        #expect(!(try Self.ops("", mounts: "  - {type: devpts, target: /dev/pts}\n")).contains("private-devpts"))
        // No mount namespace: the host's devpts, nothing to mount.
        #expect(!(try Self.ops("", mounts: "", namespaces: "[user, pid]")).contains("private-devpts"))
    }

    @Test func requiredWithoutATerminalIsAnErrorBeforeAnythingStarts() throws {
        let spec = try loadSpec(text: "version: 1\nnamespaces: [user, pid]\nprocess:\n  args: [/bin/true]\n  terminal: true\n")
        let run = simulate(Planner(spec: spec, caller: Who.rootless.caller).plan(), uid: 1000)
        #expect(run.code == 125)
        #expect(run.kernel.logged.contains("process.terminal is true, but nsspec's standard input is not a terminal"))
        #expect(!run.trace.contains { $0.description.contains("clone") }, "nothing started")
        let auto = try loadSpec(text: "version: 1\nnamespaces: [user, pid]\nprocess:\n  args: [/bin/true]\n")
        #expect(simulate(Planner(spec: auto, caller: Who.rootless.caller).plan(), uid: 1000).code == 0, "auto: no terminal, the run as before")
    }
}
