import KernelModel
import Planning
import SpecFormat
import Testing
import Validation

/// The planner: the exact step list of every spec, as root and rootless (golden files), and the
/// rules of the order, checked on every one of them.
@Suite struct PlanTests {
    static let cases = allSpecs.flatMap { name in Who.allCases.map { (name, $0) } }

    @Test(arguments: cases)
    func planMatchesGolden(_ name: String, _ who: Who) throws {
        let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
        try expectGolden(PlanRenderer.text(plan), "plans/\(name).\(who.rawValue).plan")
    }

    @Test(arguments: cases)
    func orderInvariantsHold(_ name: String, _ who: Who) throws {
        let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
        #expect(OrderInvariants.violations(plan.steps) == [])
    }

    /// The paths the goldens cover: one clone and fork + unshare/setns, with and without a pid
    /// namespace, maps by the sandbox itself and by the parent, a joined user namespace.
    @Test func theGoldensCoverEveryPath() throws {
        var seen: Set<String> = []
        for (name, who) in Self.cases {
            let steps = Planner(spec: try loadSpec(name), caller: who.caller).plan().steps
            for step in steps {
                switch step.action {
                case .clone: seen.insert("one clone")
                case .fork(.child): seen.insert("fork + unshare")
                case .fork(.`init`): seen.insert("pid namespace through a fork")
                case .unshare(.time): seen.insert("time namespace")
                case .join(.user, _): seen.insert("joined user namespace")
                case .join(.net, _): seen.insert("joined net namespace")
                case .join(.time, _): seen.insert("time namespace entered by the child")
                case .writeMap(_, _, true, _): seen.insert("maps by newuidmap")
                case .writeMap(_, _, false, let of) where step.actor == of: seen.insert("own maps")
                case .writeMap(_, _, false, _): seen.insert("maps by the parent")
                case .handoff(let h, _): seen.insert(h.rawValue)
                default: break
                }
            }
        }
        #expect(seen == ["one clone", "fork + unshare", "pid namespace through a fork", "time namespace", "joined user namespace",
                         "joined net namespace", "time namespace entered by the child", "maps by newuidmap", "own maps",
                         "maps by the parent", "user namespace ready", "maps written", "init pid", "net namespace ready",
                         "host side ready"])
    }

    /// Swapping any two rows of the planner's order breaks a rule of the order in at least one
    /// plan (run here for every pair, so the checks are known to fail when the order does).
    @Test func swappingAnyTwoRowsIsCaught() throws {
        let specs = try Self.cases.map { (try loadSpec($0.0), $0.1) }
        let rows = Planner.order
        var uncaught: [String] = []
        for i in rows.indices {
            for j in rows.indices where j > i {
                var order = rows
                order.swapAt(i, j)
                let caught = specs.contains { spec, who in
                    !OrderInvariants.violations(Planner(spec: spec, caller: who.caller).plan(order: order).steps).isEmpty
                }
                if !caught { uncaught.append("\(rows[i].name) <-> \(rows[j].name)") }
            }
        }
        #expect(uncaught == [])
    }

    /// Dropping any handoff from a plan makes its run fail in the model of the kernel (with the
    /// one or the other process first after a fork), or at least changes the golden trace.
    @Test(arguments: cases)
    func droppingAHandoffIsCaught(_ name: String, _ who: Who) throws {
        guard !ExecutorTests.refusedAtPreflight(name, who) else { return }
        let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
        for (index, step) in plan.steps.enumerated() {
            guard case .handoff(let handoff, _) = step.action else { continue }
            var broken = plan
            broken.steps.remove(at: index)
            let failures = [FakeKernel.Schedule.makerFirst, .newFirst].compactMap { schedule -> String? in
                let run = simulate(broken, uid: who.caller.uid) {
                    $0.schedule = schedule
                    $0.commandStatus = .exited(7)
                }
                if run.code != 7 { return "exit \(run.code): \(run.kernel.logged)" }
                if let deadlock = run.kernel.deadlock { return "deadlock: \(deadlock)" }
                if let failed = run.trace.first(where: { $0.failed }) { return "failed: \(failed)" }
                return nil
            }
            #expect(!failures.isEmpty, "\(name) \(who): without '\(handoff.rawValue)' the run still succeeds")
        }
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

    @Test func commandLineReplacesArgs() throws {
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.root.caller, argsOverride: ["/bin/true", "x y"]).plan()
        #expect(plan.steps.compactMap { OrderInvariants.command($0.action) } == [["/bin/true", "x y"]])
    }

    @Test func jsonHasEveryStep() throws {
        let plan = Planner(spec: try loadSpec("ci-build"), caller: Who.root.caller).plan()
        let json = PlanRenderer.json(plan)
        #expect(json.components(separatedBy: "\"index\":").count - 1 == plan.steps.count)
        #expect(json.contains("\"file\":\"specs/ci-build.yaml\""))
    }
}
