import Executor
import Planning
import SpecFormat
import System
import Testing
import Validation

/// The network stages against the fake: preflight's host checks, leftovers of earlier runs,
/// the handoffs without a pid namespace, and what a failure leaves behind.
@Suite struct NetworkTests {
    func run(_ spec: ValidatedSpec, _ who: Who = .root, _ setUp: (RecordingSystemCalls) -> Void = { _ in })
        -> (code: Int32, sys: RecordingSystemCalls)
    {
        let plan = Planner(spec: spec, caller: who.caller).plan()
        let sys = RecordingSystemCalls()
        sys.uid = who.caller.uid
        setUp(sys)
        return (Executor(plan: plan, system: sys, options: .init(simulated: true)).run(), sys)
    }

    func nothingMade(_ sys: RecordingSystemCalls) {
        #expect(!sys.trace.contains { $0.hasPrefix("fork") || $0.hasPrefix("RTM_NEWLINK") || $0.hasPrefix("RTM_DELLINK") },
                "nothing may be made or deleted after a preflight failure: \(sys.trace)")
    }

    @Test func rootlessVethIsRefusedBeforeAnythingIsMade() throws {
        let (code, sys) = run(try loadSpec("veth"), .rootless)
        #expect(code == 125)
        #expect(sys.logged == """
            specs/veth.yaml:18:7: error: preflight: a veth needs CAP_NET_ADMIN in the host's network namespace, where its host end is made, and uid 1000 does not have it
            hint: run nsspec as root; without root a sandbox gets only lo (remove network.veth)

            """)
        nothingMade(sys)
    }

    @Test func rootWithoutNetAdminIsRefusedToo() throws {
        let (code, sys) = run(try loadSpec("veth")) { $0.effectiveCapabilities = [] }
        #expect(code == 125)
        #expect(sys.logged.contains("this root process does not have it"))
        nothingMade(sys)
    }

    @Test func anExistingHostInterfaceIsAnErrorAndUntouched() throws {
        let (code, sys) = run(try loadSpec("veth")) { $0.links.append(LinkInfo(index: 7, name: "nsspec-demo0", kind: "bridge")) }
        #expect(code == 125)
        #expect(sys.logged == """
            specs/veth.yaml:25:20: error: preflight: a bridge interface named nsspec-demo0 already exists on the host
            hint: choose another host name in the spec; nsspec never touches an interface it did not create

            """)
        nothingMade(sys)
        #expect(sys.links.contains { $0.name == "nsspec-demo0" && $0.index == 7 })
    }

    @Test func aLeftoverOfAnEndedRunIsWaitedFor() throws {
        let (code, sys) = run(try loadSpec("veth")) { sys in
            sys.links.append(LinkInfo(index: 7, name: "nsspec-demo0", alias: "nsspec pid 4242", kind: "veth"))
            sys.vanishAfterLookups["nsspec-demo0"] = 3
        }
        #expect(code == 0, "\(sys.logged)")
        #expect(sys.trace.contains("kill 4242 0"))
        #expect(sys.trace.filter { $0 == "sleep 1 ms" }.count == 3)
        #expect(sys.trace.contains { $0.hasPrefix("RTM_NEWLINK veth nsspec-demo0") })
        #expect(!sys.trace.contains { $0.hasPrefix("RTM_DELLINK") })
    }

    @Test func aLeftoverThatStaysIsAnErrorNamingTheRun() throws {
        let (code, sys) = run(try loadSpec("veth")) { sys in
            sys.links.append(LinkInfo(index: 7, name: "nsspec-demo0", alias: "nsspec pid 4242", kind: "veth"))
        }
        #expect(code == 125)
        #expect(sys.logged.hasPrefix("specs/veth.yaml:25:20: error: preflight: interface nsspec-demo0 on the host, left by an nsspec run (pid 4242) that has ended, was not removed by the kernel within 2000 ms"))
        nothingMade(sys)
    }

    @Test func theHostEndOfARunningSandboxIsAnError() throws {
        let (code, sys) = run(try loadSpec("veth")) { sys in
            sys.links.append(LinkInfo(index: 7, name: "nsspec-demo0", alias: "nsspec pid 4242", kind: "veth"))
            sys.livePids = [4242]
        }
        #expect(code == 125)
        #expect(sys.logged.hasPrefix(
            "specs/veth.yaml:25:20: error: preflight: a veth interface named nsspec-demo0 already exists on the host (made by nsspec pid 4242, still running)"))
        #expect(!sys.trace.contains("sleep 1 ms"))
        nothingMade(sys)
    }

    @Test func aHostAddressInUseIsAnError() throws {
        let (code, sys) = run(try loadSpec("veth")) { sys in
            sys.links.append(LinkInfo(index: 2, name: "eth0"))
            sys.hostAddresses = [
                AddressEntry(index: 2, label: nil, address: InterfaceAddress(bytes: [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1], prefix: 64)),
                AddressEntry(index: 2, label: "eth0", address: InterfaceAddress(bytes: [10, 250, 0, 9], prefix: 24)),
            ]
        }
        #expect(code == 125)
        #expect(sys.logged == """
            specs/veth.yaml:25:13: error: preflight: 10.250.0.1/30 overlaps 10.250.0.9/24 on eth0: the host would have two routes to the same addresses
            hint: choose a subnet the host does not use

            """)
        nothingMade(sys)
    }

    @Test func anIPv6AddressInUseIsNamedWithItsInterface() throws {
        let (code, sys) = run(try loadSpec("veth")) { sys in
            sys.links.append(LinkInfo(index: 5, name: "br0"))
            sys.hostAddresses = [
                AddressEntry(index: 5, label: nil, address: InterfaceAddress(bytes: [0xFD, 0, 0x02, 0x50] + Array(repeating: 0, count: 11) + [1], prefix: 64)),
            ]
        }
        #expect(code == 125)
        #expect(sys.logged.hasPrefix("specs/veth.yaml:25:13: error: preflight: fd00:250::1 is already an address of the host: fd00:250::1/64 on br0"))
    }

    /// Without a pid namespace the child itself is the sandbox. With a joined namespace it is
    /// forked, then unshares: it tells the parent when it is in its network namespace, and
    /// waits for the host side. Without `host`, the kernel names the host end and nothing
    /// configures it.
    @Test func withoutPidNamespaceOrHostSide() throws {
        let spec = try loadSpec(text: """
            version: 1
            namespaces: [net, mount, {type: ipc, path: /proc/1/ns/ipc}]
            network:
              veth:
                - {name: eth0, address: 10.9.0.2/24, routes: [{to: 10.10.0.0/16}]}
            process: {args: [/bin/true]}
            """)
        let (code, sys) = run(spec)
        #expect(code == 0, "\(sys.logged)")
        let network = sys.trace.filter {
            $0.hasPrefix("RTM_") || $0.hasPrefix("send") || $0.hasPrefix("receive") || $0.hasPrefix("fork")
        }
        #expect(network == [
            "fork = 100",
            "send handoff(\"net namespace ready\") to 11",
            "RTM_NEWLINK veth (kernel-named) peer eth0 netns pid 100",
            "RTM_NEWLINK lo up",
            "send handoff(\"host side ready\") to 13",
            "RTM_NEWLINK eth0 up",
            "RTM_GETLINK eth0",
            "RTM_NEWADDR 10.9.0.2/24 dev eth0 (3)",
            "RTM_NEWROUTE 10.10.0.0/16 dev eth0 (3)",
        ], "\(sys.trace)")
    }

    /// A failure inside, after the pair exists: the parent deletes it before it kills the
    /// sandbox, so that nothing is left once nsspec has exited.
    @Test func aFailureInsideDeletesThePair() throws {
        let plan = Planner(spec: try loadSpec("veth"), caller: Who.root.caller).plan()
        var n = 0
        while true {
            let sys = RecordingSystemCalls(failAt: n)
            sys.uid = 0
            let code = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
            n += 1
            guard let failed = sys.trace.firstIndex(where: { $0.hasSuffix(" = -1 1") }) else { break }
            guard sys.trace[failed].hasPrefix("RTM_NEWROUTE default") else { continue }
            #expect(code == 125)
            #expect(sys.logged == """
                specs/veth.yaml:20:16: error: network: route default via 10.250.0.1 dev eth0: RTM_NEWROUTE eth0: Operation not permitted (EPERM)

                """)
            #expect(sys.trace[failed + 1] == "RTM_DELLINK nsspec-demo0 (2)")
            #expect(!sys.links.contains { $0.name == "nsspec-demo0" || $0.name == "eth0" })
            return
        }
        Issue.record("no call was the default route")
    }
}

/// The messages of kernel refusals at the network and clone steps: the hint where the errno
/// misleads, and the kernel's own words when netlink gives them.
@Suite struct KernelRefusalMessageTests {
    /// Runs `name` as `who`, failing the first call whose trace line starts with `prefix`.
    func failing(_ name: String, _ who: Who, at prefix: String, errno: Int32, detail: String? = nil) throws -> RecordingSystemCalls {
        let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
        for n in 0..<400 {
            let sys = RecordingSystemCalls(failAt: n, errno: errno)
            sys.uid = who.caller.uid
            sys.failDetail = detail
            _ = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
            guard let failed = sys.trace.first(where: { $0.hasSuffix(" = -1 \(errno)") }) else { break }
            if failed.hasPrefix(prefix) { return sys }
        }
        throw TestFailure("no call starting with \(prefix)")
    }

    @Test func hostNameTakenBetweenPreflightAndCreation() throws {
        let sys = try failing("veth", .root, at: "RTM_NEWLINK veth", errno: 17)
        #expect(sys.logged.contains("error: host network: veth pair: nsspec-demo0 on the host"))
        #expect(sys.logged.contains("File exists (EEXIST)\nhint: an interface of that name appeared on the host after preflight"))
    }

    @Test func theKernelsOwnWordsAreShown() throws {
        let sys = try failing("veth", .root, at: "RTM_NEWROUTE default", errno: 22, detail: "Nexthop has invalid gateway")
        #expect(sys.logged == """
            specs/veth.yaml:20:16: error: network: route default via 10.250.0.1 dev eth0: RTM_NEWROUTE eth0: Invalid argument (EINVAL) (kernel: Nexthop has invalid gateway)

            """)
    }

    @Test func cloneRefusedWithoutAUserNamespaceReason() throws {
        let sys = try failing("hello", .root, at: "clone(CLONE_NEWUSER", errno: 1)
        #expect(sys.logged.contains("error: namespaces: clone PID 1 into new namespaces"))
        #expect(sys.logged.contains("Operation not permitted (EPERM)\nhint: creating these namespaces needs CAP_SYS_ADMIN"))
    }
}

/// A joined user namespace whose setgroups is "deny" refuses setgroups(2), as a new one with
/// `setgroups: deny` does: the run goes on without it. Anywhere else the refusal is an error.
@Suite struct JoinedUserNamespaceTests {
    let spec = """
        version: 1
        namespaces: [{type: user, path: /proc/77/ns/user}, mount, pid]
        process: {args: [/bin/true]}
        """

    func run(setgroups: String?) throws -> (code: Int32, sys: RecordingSystemCalls) {
        let plan = Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan()
        let probe = RecordingSystemCalls()
        _ = Executor(plan: plan, system: probe, options: .init(simulated: true)).run()
        let n = try #require(probe.trace.filter { !$0.hasPrefix("close ") && !$0.hasPrefix("kill ") && !$0.hasPrefix("ignore ")
            && !$0.hasPrefix("access ") && !$0.hasPrefix("capget ") && !$0.hasPrefix("poll ") && !$0.hasPrefix("sleep ") }
            .firstIndex { $0.hasPrefix("setgroups") })
        let sys = RecordingSystemCalls(failAt: n)
        if let setgroups { sys.files["/proc/self/setgroups"] = setgroups }
        let code = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
        #expect(sys.trace.contains("setgroups [] = -1 1"), "\(sys.trace)")
        return (code, sys)
    }

    @Test func deniedInTheJoinedNamespaceIsNotAnError() throws {
        let (code, sys) = try run(setgroups: "deny\n")
        #expect(code == 0, "\(sys.logged)")
    }

    @Test func allowedButRefusedIsAnError() throws {
        let (code, sys) = try run(setgroups: "allow\n")
        #expect(code == 125)
        #expect(sys.logged.contains("error: process: setgroups [] (drop supplementary groups): setgroups []: Operation not permitted (EPERM)"))
    }
}
