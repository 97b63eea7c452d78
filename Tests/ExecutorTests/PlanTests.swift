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
                         "host side ready", "user namespace fd", "net namespace fd"])
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

/// Each rule of the order, shown to fail: one plan broken the way the rule forbids, and the
/// rule's own complaint expected.
@Suite struct OrderInvariantsFailTests {
    typealias Breakage = (spec: String, who: Who, expected: String, break: @Sendable ([Step]) -> [Step])

    static func first(_ steps: [Step], _ p: (Action) -> Bool) -> Int { steps.firstIndex { p($0.action) }! }
    /// Moves the step at `from` to just after the step at `after`.
    static func move(_ steps: [Step], _ from: Int, after: Int) -> [Step] {
        var out = steps
        let step = out.remove(at: from)
        out.insert(step, at: from < after ? after : after + 1)
        return out
    }

    static let breakages: [Breakage] = [
        ("tmpfs-root", .rootless, "proc is mounted after pivot_root", { s in
            move(s, first(s) { if case .proc = $0 { true } else { false } }, after: first(s) { $0 == .pivotRoot })
        }),
        ("time", .rootless, "capabilities comes before setresuid", { s in
            move(s, first(s) { if case .capabilities = $0 { true } else { false } }, after: first(s) { if case .setGid = $0 { true } else { false } })
        }),
        ("hello", .root, "comes after the process is started", { s in
            move(s, first(s) { $0 == .noNewPrivileges }, after: first(s) { if case .spawn = $0 { true } else { false } })
        }),
        ("time", .rootless, "before the maps are written", { s in
            move(s, first(s) { if case .writeMap(.gid, _, _, _) = $0 { true } else { false } }, after: first(s) { $0 == .makeRootPrivate })
        }),
        ("time", .rootless, "makes a namespace before the user namespace", { s in
            move(s, first(s) { $0 == .unshare(.ipc) }, after: first(s) { $0 == .fork(.child) })
        }),
        ("time", .rootless, "writes the child's map before it says its user namespace exists", { s in
            move(s, first(s) { $0 == .handoff(.userNamespaceReady, to: .parent) }, after: first(s) { if case .writeMap(.uid, _, _, _) = $0 { true } else { false } })
        }),
        ("time", .rootless, "setgroups is written after gid_map", { s in
            move(s, first(s) { if case .writeSetgroups = $0 { true } else { false } }, after: first(s) { if case .writeMap(.gid, _, _, _) = $0 { true } else { false } })
        }),
        ("hello", .rootless, "PID 1 is made non-dumpable before its maps are written", { s in
            move(s, first(s) { $0 == .notDumpable }, after: first(s) { if case .clone = $0 { true } else { false } })
        }),
        ("time", .rootless, "unshare(pid) after the fork of PID 1", { s in
            move(s, first(s) { $0 == .unshare(.pid) }, after: first(s) { $0 == .fork(.`init`) })
        }),
        ("time", .rootless, "is the init's before it is made", { s in
            move(s, first(s) { $0 == .fork(.`init`) }, after: first(s) { $0 == .setHostname("clock") })
        }),
        ("time", .rootless, "no parent-death signal after the uid change", { s in
            var s = s
            s.remove(at: s.lastIndex { $0.action == .dieWithParent }!)
            return s
        }),
        ("veth", .root, "'host side ready' is not sent after the host side is made", { s in
            move(s, first(s) { if case .handoff(.hostSideReady, _) = $0 { true } else { false } },
                 after: first(s) { if case .createVeth = $0 { true } else { false } })
        }),
        ("time-veth", .root, "makes a veth before the parent knows the sandbox is in its net namespace", { s in
            move(s, first(s) { $0 == .handoff(.initPid, to: .parent) }, after: first(s) { if case .createVeth = $0 { true } else { false } })
        }),
        ("hello", .root, "stage uts of step", { s in
            move(s, first(s) { if case .setHostname = $0 { true } else { false } }, after: first(s) { $0 == .makeRootPrivate })
        }),
        ("subordinate-only", .rootless, "comes before the sandbox takes a mapped uid", { s in
            move(s, first(s) { if case .adoptMappedID(.uid, _, _) = $0 { true } else { false } }, after: first(s) { $0 == .unshare(.time) })
        }),
        ("debian-rootfs", .root, "takes a mapped gid before the init is told the maps are written", { s in
            move(s, first(s) { if case .handoff(.mapsWritten, _) = $0 { true } else { false } },
                 after: first(s) { if case .adoptMappedID(.uid, _, _) = $0 { true } else { false } })
        }),
        ("subordinate-only", .root, "takes a mapped gid before the gid map is written", { s in
            move(s, first(s) { if case .adoptMappedID(.gid, _, _) = $0 { true } else { false } },
                 after: first(s) { if case .writeMap(.uid, _, _, _) = $0 { true } else { false } })
        }),
        ("hello", .root, "no channel before the first process", { s in
            var s = s
            s.remove(at: first(s) { $0 == .openChannel })
            return s
        }),
    ]

    @Test(arguments: breakages.indices)
    func eachRuleCatchesItsBreakage(_ i: Int) throws {
        let b = Self.breakages[i]
        let steps = Planner(spec: try loadSpec(b.spec), caller: b.who.caller).plan().steps
        #expect(OrderInvariants.violations(steps) == [], "\(b.spec) must be correct before it is broken")
        let violations = OrderInvariants.violations(b.break(steps))
        #expect(violations.contains { $0.contains(b.expected) }, "\(b.spec): expected '\(b.expected)' in \(violations)")
    }
}

@Test func sysfsGetsFirmwareMasked() throws {
    let spec = try loadSpec(text: "version: 1\nnamespaces: [user, mount, net]\nmounts:\n  - {type: sysfs, target: /s}\nprocess: {args: [/bin/true]}\n")
    let steps = Planner(spec: spec, caller: Who.rootless.caller).plan().steps
    #expect(steps.contains { $0.action == .maskPaths(["/s/firmware"]) })
}
