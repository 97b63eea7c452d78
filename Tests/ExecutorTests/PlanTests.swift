import Planning
import SpecFormat
import Testing
import Validation

/// The planner: the exact step list of every example, as root and rootless (golden files).
@Suite struct PlanTests {
    static let cases = exampleSpecs.flatMap { name in Who.allCases.map { (name, $0) } }

    @Test(arguments: cases)
    func planMatchesGolden(_ name: String, _ who: Who) throws {
        let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
        try expectGolden(PlanRenderer.text(plan), "plans/\(name).\(who.rawValue).plan")
    }

    /// The order is the planner's, never the spec's: the same namespaces listed backwards give
    /// the same steps.
    @Test func listingOrderDoesNotMatter() throws {
        let forwards = try loadSpec(text: "version: 1\nnamespaces: [user, mount, uts, ipc, pid, net, cgroup, time]\nprocess: {args: [x]}\n")
        let backwards = try loadSpec(text: "version: 1\nnamespaces: [time, cgroup, net, pid, ipc, uts, mount, user]\nprocess: {args: [x]}\n")
        let ops = { (spec: ValidatedSpec) in Planner(spec: spec, caller: Who.rootless.caller).plan().steps.map(\.action.summary) }
        #expect(ops(forwards) == ops(backwards))
        let unshares = ops(forwards).filter { $0.hasPrefix("unshare") }
        #expect(unshares == ["unshare(CLONE_NEWUSER)", "unshare(CLONE_NEWIPC)", "unshare(CLONE_NEWUTS)", "unshare(CLONE_NEWNET)",
                             "unshare(CLONE_NEWCGROUP)", "unshare(CLONE_NEWTIME)", "unshare(CLONE_NEWNS)", "unshare(CLONE_NEWPID)"])
    }

    /// The user namespace comes first and alone, its maps before any other namespace; proc is
    /// mounted before pivot_root; exec is the last step of the sandbox.
    @Test(arguments: exampleSpecs)
    func invariantsOfTheOrder(_ name: String) throws {
        let steps = Planner(spec: try loadSpec(name), caller: Who.rootless.caller).plan().steps
        let index = { (p: (Step) -> Bool) in steps.firstIndex(where: p) }
        if let user = index({ $0.action == .unshare(.user) }) {
            let maps = try #require(index({ if case .writeMap = $0.action { return true }; return false }))
            let other = index({ if case .unshare(let k) = $0.action { return k != .user }; return false }) ?? steps.count
            #expect(user < maps && maps < other)
        }
        if let proc = index({ if case .proc = $0.action { return true }; return false }), let pivot = index({ $0.action == .pivotRoot }) {
            #expect(proc < pivot)
        }
        let exec = try #require(index({ command($0.action) != nil }))
        #expect(!steps[(exec + 1)...].contains { $0.actor != .parent && $0.actor != .child && $0.action != .reapAndForward })
        // One clone into every new namespace lists the user namespace first: it owns the others.
        for step in steps { if case .clone(_, let kinds) = step.action, kinds.contains(.user) { #expect(kinds.first == .user) } }
        let first = steps.first?.action
        #expect(steps.first?.stage == .preflight || first == .fork(.child) || { if case .clone? = first { true } else { false } }())
        #expect(steps.last?.action == .supervise)
    }

    @Test func commandLineReplacesArgs() throws {
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.root.caller, argsOverride: ["/bin/true", "x y"]).plan()
        #expect(plan.steps.compactMap { command($0.action) } == [["/bin/true", "x y"]])
    }

    /// The process's args, for the step that starts it (exec, or posix_spawn by a tiny init).
    func command(_ action: Action) -> [String]? {
        switch action {
        case .exec(let args, _, _), .spawn(let args, _, _): args
        default: nil
        }
    }

    @Test func jsonHasEveryStep() throws {
        let plan = Planner(spec: try loadSpec("ci-build"), caller: Who.root.caller).plan()
        let json = PlanRenderer.json(plan)
        #expect(json.components(separatedBy: "\"index\":").count - 1 == plan.steps.count)
        #expect(json.contains("\"file\":\"specs/ci-build.yaml\""))
    }
}
