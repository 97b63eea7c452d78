import Executor
import KernelModel
import Planning
import SpecFormat
import System
import Testing
import Validation

/// The network stages against the fake: preflight's host checks, leftovers of earlier runs,
/// the handoffs without a pid namespace, and what a failure leaves behind.
@Suite struct NetworkTests {
    func run(_ spec: ValidatedSpec, _ who: Who = .root, _ setUp: (FakeKernel) -> Void = { _ in }) -> (code: Int32, sys: Calls) {
        let run = simulate(Planner(spec: spec, caller: who.caller).plan(), uid: who.caller.uid, setUp)
        return (run.code, Calls(run.kernel))
    }

    func nothingMade(_ sys: Calls) {
        #expect(!sys.trace.contains { $0.hasPrefix("clone3") || $0.hasPrefix("RTM_NEWLINK") || $0.hasPrefix("RTM_DELLINK") },
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
            $0.hasPrefix("RTM_") || $0.hasPrefix("send") || $0.hasPrefix("receive") || $0.hasPrefix("clone3")
        }
        #expect(network == [
            "clone3(0) child = 100",
            "send \"net namespace ready\" on 4",
            "RTM_NEWLINK lo up",
            "receive on 3 = \"net namespace ready\"",
            "RTM_NEWLINK veth (kernel-named) peer {eth0 netns pid 100}",
            "send \"host side ready\" on 3",
            "receive on 4 = \"host side ready\"",
            "RTM_NEWLINK eth0 up",
            "RTM_GETLINK eth0",
            "RTM_NEWADDR 10.9.0.2/24 dev eth0 (3)",
            "RTM_NEWROUTE 10.10.0.0/16 dev eth0 (3)",
            "receive on 3 = end of file",
        ], "\(sys.trace)")
    }

    /// A failure inside, after the pair exists: the parent deletes it before it kills the
    /// sandbox, so that nothing is left once nsspec has exited.
    @Test func aFailureInsideDeletesThePair() throws {
        let run = try simulate("veth", .root, failing: .nth(where: {
            if case .addRoute(let route, _, _) = $0 { route.destination == nil } else { false }
        }))
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            specs/veth.yaml:20:16: error: network: route default via 10.250.0.1 dev eth0: RTM_NEWROUTE eth0: Operation not permitted (EPERM)

            """)
        let lines = run.trace.map(\.description)
        let failed = try #require(lines.firstIndex { $0.contains("RTM_NEWROUTE default") })
        let parentReads = try #require(lines[failed...].firstIndex { $0.hasPrefix("parent  receive on 4 = failure") })
        #expect(lines[parentReads + 1] == "parent  RTM_DELLINK nsspec-demo0 (2)")
        #expect(!run.kernel.links.contains { $0.name == "nsspec-demo0" || $0.name == "eth0" })
    }
}

/// The messages of kernel refusals at the network and clone steps: the hint where the errno
/// misleads, and the kernel's own words when netlink gives them.
@Suite struct KernelRefusalMessageTests {
    /// Runs `name` as `who`, failing the first call whose trace text starts with `prefix`.
    func failing(_ name: String, _ who: Who, at prefix: String, errno: Errno, detail: String? = nil) throws -> FakeKernel {
        let run = try simulate(name, who, failing: .nth(1, errno, where: { $0.text.hasPrefix(prefix) })) { $0.failDetail = detail }
        guard run.trace.contains(where: { $0.failed }) else { throw TestFailure("no call starting with \(prefix)") }
        return run.kernel
    }

    @Test func hostNameTakenBetweenPreflightAndCreation() throws {
        let sys = try failing("veth", .root, at: "RTM_NEWLINK veth", errno: .EEXIST)
        #expect(sys.logged.contains("error: host network: veth pair: nsspec-demo0 on the host"))
        #expect(sys.logged.contains("File exists (EEXIST)\nhint: an interface of that name appeared on the host after preflight"))
    }

    @Test func theKernelsOwnWordsAreShown() throws {
        let sys = try failing("veth", .root, at: "RTM_NEWROUTE default", errno: .EINVAL, detail: "Nexthop has invalid gateway")
        #expect(sys.logged == """
            specs/veth.yaml:20:16: error: network: route default via 10.250.0.1 dev eth0: RTM_NEWROUTE eth0: Invalid argument (EINVAL) (kernel: Nexthop has invalid gateway)

            """)
    }

    @Test func cloneRefusedWithoutAUserNamespaceReason() throws {
        let sys = try failing("hello", .root, at: "clone3(CLONE_NEWUSER", errno: .EPERM)
        #expect(sys.logged.contains("error: sandbox process: clone PID 1 into new namespaces"))
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

    /// The model refuses setgroups(2) in a joined namespace that denies it, as the kernel does.
    func run(setgroups: String) throws -> (code: Int32, sys: FakeKernel) {
        let plan = Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan()
        let run = simulate(plan, uid: 1000) { $0.files["/proc/self/setgroups"] = setgroups }
        if setgroups.hasPrefix("allow") {
            let refused = simulate(plan, uid: 1000) {
                $0.files["/proc/self/setgroups"] = setgroups
                $0.inject(.nth(where: { $0 == .setgroups([]) }))
            }
            #expect(refused.trace.contains { $0.call == .setgroups([]) && $0.failed })
            return (refused.code, refused.kernel)
        }
        #expect(run.trace.contains { $0.call == .setgroups([]) && $0.outcome == .failed(.EPERM) }, "\(run.text)")
        return (run.code, run.kernel)
    }

    @Test func deniedInTheJoinedNamespaceIsNotAnError() throws {
        let (code, sys) = try run(setgroups: "deny\n")
        #expect(code == 0, "\(sys.logged)")
    }

    @Test func allowedButRefusedIsAnError() throws {
        let (code, sys) = try run(setgroups: "allow\n")
        #expect(code == 125)
        #expect(sys.logged.contains("error: process: setgroups [] (drop supplementary groups); refused by a joined namespace that denies it: no error: setgroups []: Operation not permitted (EPERM)"))
    }
}

/// The calls of a run as text without the process, for tests that look for a call.
struct Calls {
    var trace: [String]
    var logged: String
    var links: [LinkInfo]
    init(_ kernel: FakeKernel) {
        trace = kernel.trace.map { $0.call.text + $0.outcome.suffix }
        logged = kernel.logged
        links = kernel.links
    }
}
