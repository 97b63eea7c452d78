import Executor
import Planning
import System
import Testing

/// The executor against the recording fake: whole traces (golden, in order, never sorted), and
/// a failure injected at every call.
@Suite struct ExecutorTests {
    /// A rootless veth is refused at preflight (rootlessVethIsRefusedBeforeAnythingIsMade).
    static let cases = exampleSpecs.flatMap { name in Who.allCases.map { (name, $0) } }.filter { !($0 == "veth" && $1 == .rootless) }

    func simulate(_ name: String, _ who: Who, failAt: Int? = nil, errno: Int32 = 1) throws -> (code: Int32, sys: RecordingSystemCalls, plan: Plan) {
        let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
        let sys = RecordingSystemCalls(failAt: failAt, errno: errno)
        sys.uid = who.caller.uid
        let code = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
        return (code, sys, plan)
    }

    @Test(arguments: cases)
    func traceMatchesGolden(_ name: String, _ who: Who) throws {
        let (code, sys, _) = try simulate(name, who)
        #expect(code == 0, "\(sys.logged)")
        try expectGolden(sys.trace.joined(separator: "\n") + "\n", "traces/\(name).\(who.rawValue).trace")
    }

    /// Failing call N (for every N) stops the run there with a message naming a stage and a
    /// spec line, and leaves nothing behind: every process forked so far is killed and the
    /// child reaped; nothing else is called after the failure.
    @Test(arguments: cases)
    func everyCallCanFail(_ name: String, _ who: Who) throws {
        let calls = try simulate(name, who).sys.calls
        for n in 0..<calls {
            let (code, sys, plan) = try simulate(name, who, failAt: n)
            let failed = try #require(sys.trace.firstIndex { $0.hasSuffix(" = -1 1") }, "call \(n) did not fail")
            #expect([125, 126, 127].contains(code), "call \(n): exit \(code)")
            let stages = Stage.allCases.map { "error: \($0.rawValue): " }
            #expect(stages.contains { sys.logged.contains($0) }, "call \(n): no stage named in \(sys.logged)")
            #expect(sys.logged.hasPrefix("specs/\(name).yaml:"), "call \(n): no spec location in \(sys.logged)")
            #expect(sys.logged.contains("(EPERM)"), "call \(n): errno not named in \(sys.logged)")
            // Closing the failing process's own fds is part of unwinding, not of the cleanup.
            // Nor are the sysctls read to explain a refused user namespace.
            let after = sys.trace[(failed + 1)...].filter { !$0.hasPrefix("close ") && !$0.hasPrefix("read /proc/sys/") }
            // Every process made so far (forked, or spawned by init) is killed, newest first.
            func pids(_ prefixes: [String]) -> [String] {
                sys.trace[..<failed].compactMap { line -> String? in
                    guard prefixes.contains(where: line.hasPrefix) else { return nil }
                    return line.components(separatedBy: " = ").last
                }
            }
            let made = pids(["fork = ", "clone(", "posix_spawn "])
            // nsspec's own children: the child, and PID 1 (CLONE_PARENT); both are reaped.
            let children = pids(["fork = ", "clone("])
            // veth pairs made so far are deleted first (their namespace would take them, but later).
            let pairs = sys.trace[..<failed].filter { $0.hasPrefix("RTM_NEWLINK veth ") }.map { $0.split(separator: " ")[2] }
            let deletes = pairs.reversed().map { "RTM_DELLINK \($0) " }
            let cleanup = made.reversed().map { "kill \($0) 9" } + children.map { "waitpid \($0)" }
            #expect(zip(after, deletes).allSatisfy { $0.hasPrefix($1) } && after.count >= deletes.count,
                    "call \(n) (\(sys.trace[failed])): after it came \(after), expected deletes of \(pairs)")
            #expect(Array(after.dropFirst(deletes.count)) == cleanup,
                    "call \(n) (\(sys.trace[failed])): after it came \(after), expected \(cleanup)")
            _ = plan
        }
    }


    @Test func missingSourceNamesTheMountLine() throws {
        let spec = """
            version: 1
            namespaces: [user, mount]
            mounts:
              - {type: bind, source: /nonexistent, target: /x}
            process: {args: [/bin/true]}
            """
        let plan = Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan()
        let sys = RecordingSystemCalls()
        sys.missing = ["/nonexistent"]
        let code = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
        #expect(code == 125)
        #expect(sys.logged == """
            t.yaml:4:5: error: preflight: /nonexistent does not exist: No such file or directory (ENOENT)
            hint: create it, fix the path (relative paths are relative to the spec file), or add `optional: true`

            """)
        #expect(!sys.trace.contains { $0.hasPrefix("fork") }, "nothing may be created after a preflight failure")
    }

    @Test func mapWriteEPERMExplainsItself() throws {
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.rootless.caller).plan()
        var n = 0
        while true {
            let sys = RecordingSystemCalls(failAt: n)
            _ = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
            if sys.trace.last(where: { $0.hasSuffix(" = -1 1") })?.contains("uid_map") == true { break }
            n += 1
            try #require(n < 100)
        }
        let sys = RecordingSystemCalls(failAt: n)
        _ = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
        #expect(sys.logged.contains("error: id maps: write uid_map: 0 self 1: write /proc/self/uid_map: Operation not permitted (EPERM)"))
        #expect(sys.logged.contains("hint: unprivileged users may map only their own uid, once; install newuidmap"))
    }

    /// Host checks: each names what to change on the host, and nothing is forked. A refused user
    /// namespace is explained after the kernel refused it (the sysctls are read only then).
    func preflightFailure(_ spec: String, _ setUp: (RecordingSystemCalls) -> Void) throws -> String {
        let plan = Planner(spec: try loadSpec(spec), caller: Who.rootless.caller).plan()
        let sys = RecordingSystemCalls()
        setUp(sys)
        let code = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
        #expect(code == 125)
        #expect(!sys.trace.contains { $0.hasPrefix("fork") }, "nothing may be created after a preflight failure")
        return sys.logged
    }

    @Test func userNamespacesDisabled() throws {
        let logged = try preflightFailure("hello") { $0.files["/proc/sys/user/max_user_namespaces"] = "0\n" }
        #expect(logged == """
            specs/hello.yaml:9:1: error: namespaces: user namespaces are disabled on this host (user.max_user_namespaces = 0): No space left on device (ENOSPC)
            hint: as root: sysctl -w user.max_user_namespaces=15000

            """)
    }

    /// With a joined namespace the child unshares the user namespace alone; the same reasons.
    @Test func userNamespaceRefusedToTheChildIsExplainedToo() throws {
        let plan = Planner(spec: try loadSpec(text: """
            version: 1
            namespaces: [user, mount, {type: net, path: /run/netns/x}]
            process: {args: [/bin/true]}
            """), caller: Who.rootless.caller).plan()
        let sys = RecordingSystemCalls()
        sys.files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1\n"
        let code = Executor(plan: plan, system: sys, options: .init(simulated: true)).run()
        #expect(code == 125)
        #expect(sys.trace.contains("unshare CLONE_NEWUSER = -1 13"))
        #expect(sys.logged == """
            t.yaml:2:14: error: namespaces: AppArmor restricts unprivileged user namespaces on this host (kernel.apparmor_restrict_unprivileged_userns = 1): Permission denied (EACCES)
            hint: as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give nsspec an AppArmor profile with `userns,`

            """)
    }

    @Test func unprivilegedUserNamespacesDisabled() throws {
        let logged = try preflightFailure("hello") { $0.files["/proc/sys/kernel/unprivileged_userns_clone"] = "0\n" }
        #expect(logged.hasPrefix("specs/hello.yaml:9:1: error: namespaces: unprivileged user namespaces are disabled on this host"))
        #expect(logged.contains("hint: as root: sysctl -w kernel.unprivileged_userns_clone=1"))
    }

    @Test func mapHelperMissing() throws {
        let logged = try preflightFailure("rootless-multirange") { sys in
            for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] { sys.missing.insert(dir + "/newuidmap") }
        }
        #expect(logged == """
            specs/rootless-multirange.yaml:14:3: error: preflight: newuidmap is not installed, and the map needs ids the caller may not map itself
            hint: apt install uidmap (or map only `self`)

            """)
    }

    @Test func subordinateRangeTooSmall() throws {
        let logged = try preflightFailure("rootless-multirange") { $0.files["/etc/subuid"] = "tester:100000:1000\n" }
        #expect(logged == """
            specs/rootless-multirange.yaml:14:3: error: preflight: /etc/subuid gives tester (uid 1000) 1000 subordinate uids; the map needs 65536
            hint: as root: usermod --add-subuids 100000-165535 tester

            """)
    }
}
