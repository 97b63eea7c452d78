import Diagnostics
import Executor
import Foundation
import KernelModel
import Planning
import System
import Testing

/// `Executor.hostCheck` (`validate --host`, `doctor FILE`): the preflight steps of the plan, run
/// as `run` runs them, every failure reported instead of the first, nothing created.
@Suite struct HostCheckTests {
    static let manyProblems = """
        version: 1
        namespaces: [user, mount, pid, net]
        uidMap:
          - {inside: 0, outside: self, count: 1}
          - {inside: 1, outside: subordinate, count: 65536}
        gidMap:
          - {inside: 0, outside: self, count: 1}
        root: tmpfs
        mounts:
          - {type: bind, source: /usr, target: /usr}
          - {type: bind, source: /srv/typo, target: /srv}
          - {type: proc}
        network:
          veth:
            - {name: eth0, address: 10.9.0.2/30, host: {name: host0, address: 10.9.0.1/30}}
        process:
          args: [/bin/true]

        """

    /// What the model records that would have changed something.
    static func madeSomething(_ trace: [TraceEntry]) -> [TraceEntry] {
        trace.filter {
            switch $0.call {
            case .clone, .unshare, .setns, .mount, .writeFile, .mkdir, .createVeth, .helper, .spawn, .execve, .reexecSealed: true
            default: false
            }
        }
    }

    @Test func everyProblemRootlessAtItsLine() throws {
        let plan = Planner(spec: try loadSpec(text: Self.manyProblems), caller: Who.rootless.caller).plan()
        let kernel = FakeKernel()
        kernel.files["/etc/subuid"] = "someone:100000:65536\n"
        for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] { kernel.missing.insert(dir + "/newuidmap") }
        kernel.missing.insert("/srv/typo")
        var found: [Diagnostic] = []
        _ = kernel.runAsParent {
            found = Executor(plan: plan, system: kernel).hostCheck()
            return 0
        }
        #expect(found.map(\.rule) == ["host-map-helper", "host-subordinate-range", "host-source-missing", "host-network-admin"],
                "\(found.map(\.message))")
        #expect(found.map { "\($0.location)" } == ["t.yaml:4:3", "t.yaml:4:3", "t.yaml:11:5", "t.yaml:15:7"])
        #expect(found.allSatisfy { $0.severity == .error && $0.hint != nil })
        #expect(found[1].message == "/etc/subuid gives tester (uid 1000) 0 subordinate uids; the map needs 65536")
        #expect(found[1].hint == "as root: usermod --add-subuids 196608-262143 tester")
        #expect(found[2].message == "/srv/typo does not exist: No such file or directory (ENOENT)")
        #expect(Self.madeSomething(kernel.trace).isEmpty, "\(kernel.trace.map(\.description))")

        // `run` stops at the first of them, with the same words.
        let run = simulate(plan, uid: 1000) {
            $0.files["/etc/subuid"] = "someone:100000:65536\n"
            for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] { $0.missing.insert(dir + "/newuidmap") }
        }
        #expect(run.code == 125)
        #expect(run.kernel.logged == "t.yaml:4:3: error: preflight: \(found[0].message)\nhint: \(found[0].hint!)\n")
    }

    /// As root the same spec has only the host's own problems: the interface and addresses are
    /// asked of rtnetlink (the socket closed after), and a taken host name is reported.
    @Test func rootSeesTheHostsLinks() throws {
        let plan = Planner(spec: try loadSpec(text: Self.manyProblems), caller: Who.root.caller).plan()
        let kernel = FakeKernel()
        kernel.uid = 0
        kernel.links.append(LinkInfo(index: 7, name: "host0", kind: "bridge"))
        kernel.hostAddresses = [AddressEntry(index: 7, label: "host0", address: InterfaceAddress(bytes: [10, 9, 0, 1], prefix: 24))]
        var found: [Diagnostic] = []
        _ = kernel.runAsParent {
            found = Executor(plan: plan, system: kernel).hostCheck()
            return 0
        }
        #expect(found.map(\.rule) == ["host-interface-exists", "host-address-in-use"], "\(found.map(\.message))")
        #expect(found[0].message == "a bridge interface named host0 already exists on the host")
        let sockets = kernel.trace.filter { $0.call == .netlinkSocket }.count
        let closes = kernel.trace.filter { if case .close = $0.call { true } else { false } }.count
        #expect(sockets == 1 && closes == 1)
        #expect(Self.madeSomething(kernel.trace).isEmpty)
    }

    /// Every id the host checks can give is in the public list and explained in docs/spec-v1.md.
    @Test func everyRuleIsDocumented() throws {
        let source = try String(contentsOf: packageRoot.appendingPathComponent("Sources/Executor/HostCheck.swift"), encoding: .utf8)
        let used = Set(source.matches(of: try Regex(#""(host-[a-z0-9-]+)""#)).compactMap { $0.output.last?.substring.map(String.init) })
        #expect(used == Set(Executor.hostCheckRuleIDs))
        let docs = try String(contentsOf: packageRoot.appendingPathComponent("docs/spec-v1.md"), encoding: .utf8)
        #expect(Executor.hostCheckRuleIDs.filter { !docs.contains("| `\($0)` |") } == [])
    }

    /// A spec this host can run: nothing to report.
    @Test func aGoodSpecHasNone() throws {
        for who in Who.allCases {
            let plan = Planner(spec: try loadSpec("hello"), caller: who.caller).plan()
            let kernel = FakeKernel()
            kernel.uid = who.caller.uid
            var found: [Diagnostic] = [.error("x", "not run", at: SourceLocation(file: "", line: 0, column: 0))]
            _ = kernel.runAsParent {
                found = Executor(plan: plan, system: kernel).hostCheck()
                return 0
            }
            #expect(found.isEmpty, "\(who): \(found.map(\.message))")
        }
    }
}
