import Executor
import KernelModel
import Planning
import System
import Testing

/// The executor against the model of the kernel: whole traces of every process (golden, in
/// order, never sorted), the handoffs between them, and a failure injected at every call.
@Suite struct ExecutorTests {
    static let cases = allSpecs.flatMap { name in Who.allCases.map { (name, $0) } }

    /// Specs that a rootless caller cannot run: a veth's host end needs root (refused at preflight).
    static func refusedAtPreflight(_ name: String, _ who: Who) -> Bool { who == .rootless && name.contains("veth") }

    @Test(arguments: cases)
    func traceMatchesGolden(_ name: String, _ who: Who) throws {
        let run = try simulate(name, who)
        #expect(run.code == (Self.refusedAtPreflight(name, who) ? 125 : 0), "\(run.kernel.logged)")
        #expect(run.kernel.deadlock == nil && run.kernel.leftBehind.isEmpty)
        try expectGolden(run.text, "traces/\(name).\(who.rawValue).trace")
    }

    /// The real scheduler may run either process first after a fork: the plan must work both
    /// ways, and nsspec returns the command's own status.
    @Test(arguments: cases)
    func eitherProcessMayRunFirst(_ name: String, _ who: Who) throws {
        guard !Self.refusedAtPreflight(name, who) else { return }
        for schedule in [FakeKernel.Schedule.makerFirst, .newFirst] {
            let run = try simulate(name, who) {
                $0.schedule = schedule
                $0.commandStatus = .exited(7)
            }
            #expect(run.code == 7, "\(schedule): \(run.kernel.logged)\n\(run.text)")
            #expect(!run.trace.contains { $0.failed }, "\(schedule): \(run.text)")
        }
    }

    /// Failing call N (for every N) stops the run with a message naming a stage, the spec line
    /// and the errno, and leaves nothing behind: no process of the run alive or unreaped, no
    /// veth pair, no deadlock.
    @Test(arguments: cases)
    func everyCallCanFail(_ name: String, _ who: Who) throws {
        let calls = try simulate(name, who).kernel.calls
        for n in 0..<calls {
            let run = try simulate(name, who, failing: .call(n))
            let failed = try #require(run.trace.first { $0.failed }, "call \(n) did not fail")
            let what = "call \(n) (\(failed))"
            #expect([125, 126, 127].contains(run.code), "\(what): exit \(run.code)")
            let stages = Stage.allCases.map { "error: \($0.rawValue): " }
            #expect(stages.contains { run.kernel.logged.contains($0) }, "\(what): no stage named in \(run.kernel.logged)")
            #expect(run.kernel.logged.hasPrefix(run.plan.file + ":"), "\(what): no spec location in \(run.kernel.logged)")
            #expect(run.kernel.logged.contains("(EPERM)"), "\(what): errno not named in \(run.kernel.logged)")
            #expect(run.kernel.deadlock == nil, "\(what): \(run.kernel.deadlock ?? "")")
            #expect(run.kernel.leftBehind.isEmpty, "\(what): left alive: \(run.kernel.leftBehind)\n\(run.text)")
            #expect(run.kernel.unreaped.isEmpty, "\(what): not reaped: \(run.kernel.unreaped)\n\(run.text)")
            #expect(!run.kernel.links.contains { $0.kind == "veth" }, "\(what): a veth is left: \(run.kernel.links)")
        }
    }

    // MARK: - The handoffs between the processes

    /// Fork + unshare, rootless, ranged maps: the child makes the user namespace and says so;
    /// the parent writes the maps through newuidmap/newgidmap and says so; only then does the
    /// child make the namespaces the user namespace owns.
    @Test func mapsWrittenBeforeTheOtherNamespaces() throws {
        let run = try simulate("time", .rootless)
        let index = { (text: String) in try run.line(startingWith: text) }
        let unshareUser = try index("child   unshare CLONE_NEWUSER")
        let ready = try index("parent  receive on 3 = \"user namespace ready\"")
        let uidMap = try index("parent  spawn /usr/bin/newuidmap 100 0 1000 1 1 100000 1000")
        let gidMap = try index("parent  spawn /usr/bin/newgidmap 100 0 1000 1 1 100000 1000")
        let received = try index("child   receive on 4 = \"maps written\"")
        let ipc = try index("child   unshare CLONE_NEWIPC")
        #expect(unshareUser < ready && ready < uidMap && uidMap < gidMap && gidMap < received && received < ipc)
        #expect(run.code == 0)
    }

    /// The veth's peer is made in PID 1's net namespace once its pid has come back, and PID 1
    /// configures it only after "host side ready".
    @Test func hostSideReadyBeforeThePeerIsConfigured() throws {
        let run = try simulate("time-veth", .root) { $0.schedule = .newFirst }
        let index = { (text: String) in try run.line(startingWith: text) }
        let pid = try index("parent  receive on 4 = pid 101")
        let veth = try index("parent  RTM_NEWLINK veth nsspec-time0 peer {eth0 netns pid 101}")
        let hostUp = try index("parent  RTM_NEWLINK nsspec-time0 up")
        let sent = try index("parent  send \"host side ready\"")
        let received = try index("init    receive on 5 = \"host side ready\"")
        let peerUp = try index("init    RTM_NEWLINK eth0 up")
        #expect(pid < veth && veth < hostUp && hostUp < sent && sent < received && received < peerUp)
        #expect(run.code == 0)
    }

    /// A failure in PID 1 reaches the parent as a rendered message on the channel: the parent
    /// prints it, kills and reaps what it made, and returns its status.
    @Test func aFailureInPID1IsReportedByTheParent() throws {
        let run = try simulate("time", .rootless, failing: .nth(where: { $0 == .sethostname("clock") }))
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            Tests/ExecutorTests/Specs/time.yaml:6:11: error: uts: sethostname "clock": sethostname clock: Operation not permitted (EPERM)

            """)
        let lines = run.trace.map(\.description)
        #expect(lines.contains { $0.hasPrefix("init    send failure 125") })
        #expect(lines.contains { $0.hasPrefix("parent  receive on 3 = failure 125") })
        // PID 1 (the parent's child through CLONE_PARENT) and the child, newest first.
        #expect(Array(lines.suffix(4)) == ["parent  kill 101 SIGKILL", "parent  kill 100 SIGKILL", "parent  waitpid 100 = 100 exited 0",
                                           "parent  waitpid 101 = 101 exited 125"], "\(run.text)")
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }

    /// The child ends before its handoff without a word (it could not even report): the parent
    /// reads end of file, says so, and reaps it.
    @Test func endOfFileBeforeAHandoff() throws {
        let run = try simulate("time", .rootless) { kernel in
            kernel.inject(.nth(where: { $0 == .unshare(.newUser) }))
            kernel.inject(.nth(where: { if case .send(.failure, _, _) = $0 { true } else { false } }))
        }
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            Tests/ExecutorTests/Specs/time.yaml:5:14: error: user namespace: the sandbox exited before 'user namespace ready'

            """)
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }

    /// nsspec died before PID 1 armed its parent-death signal: PID 1 sees it through the pidfd
    /// opened before it was made, and ends without a word.
    @Test func pid1EndsWhenNsspecDiedBeforeItsDeathSignal() throws {
        let run = try simulate("hello", .rootless) { $0.parentGoneBeforePdeathsig = true }
        let lines = run.trace.map(\.description)
        #expect(lines.contains { $0.hasPrefix("init    poll pidfd") })
        #expect(!lines.contains { $0.hasPrefix("init    sethostname") }, "\(run.text)")
        #expect(run.code == 125)
    }

    /// The one-clone path needs no handoff at all when the sandbox writes its own maps.
    @Test func oneCloneWritesItsOwnMaps() throws {
        let run = try simulate("hello", .rootless)
        let calls = run.trace.filter { $0.process == "init" }.map(\.call)
        #expect(calls.contains(.writeFile("/proc/self/uid_map", "0 1000 1\n")))
        #expect(!run.trace.contains { if case .send(.handoff, _, _) = $0.call { true } else { false } })
    }

    // MARK: - A caller the maps leave out (issue 16, item 3)

    /// Maps of subordinate ids only: the caller's own uid and gid are unmapped in the new user
    /// namespace, where the kernel refuses every file it would create (EOVERFLOW). Once told the
    /// maps are written, and before it makes anything, the child takes gid 1000 (the gid map's
    /// lowest, having no 0) and uid 0; PID 1 inherits them, builds the root and runs the process
    /// as them. As root too: root's uid 0 is not in a map of its subordinate ids either.
    @Test(arguments: Who.allCases)
    func subordinateOnlyMapsBuildTheSandboxAsAMappedID(_ who: Who) throws {
        let run = try simulate("subordinate-only", who)
        #expect(run.code == 0, "\(run.kernel.logged)\n\(run.text)")
        let index = { (text: String) in try run.line(startingWith: text) }
        let told = try index("child   receive on 4 = \"maps written\"")
        let gid = try index("child   setresgid 1000")
        let uid = try index("child   setresuid 0 (PR_SET_KEEPCAPS)")
        let time = try index("child   unshare CLONE_NEWTIME")
        let staging = try index("init    mkdir /tmp/newroot")
        #expect(told < gid && gid < uid && uid < time && time < staging)
        // Nothing of the process stage changes an id: the process runs as the ids taken.
        #expect(!run.trace.dropFirst(uid + 1).contains { if case .setresuid = $0.call { true } else { false } })
        #expect(!run.trace.contains { $0.failed }, "\(run.text)")
    }

    /// The one-clone path, with setgroups allowed and a map of 65,536 subordinate ids (the
    /// Debian example): PID 1 takes uid and gid 0 right after 'maps written'.
    @Test(arguments: Who.allCases)
    func oneCloneTakesAMappedIDToo(_ who: Who) throws {
        let run = try simulate("debian-rootfs", who)
        #expect(run.code == 0, "\(run.kernel.logged)\n\(run.text)")
        let index = { (text: String) in try run.line(startingWith: text) }
        let told = try index("init    receive on 4 = \"maps written\"")
        let gid = try index("init    setresgid 0")
        let uid = try index("init    setresuid 0 (PR_SET_KEEPCAPS)")
        let staging = try index("init    mkdir /tmp/newroot")
        #expect(told < gid && gid < uid && uid < staging)
    }

    /// Without the step the model of the kernel refuses the first file, as the kernel did
    /// (`mkdir /tmp/newroot: EOVERFLOW`): the step is what makes these maps work.
    @Test func withoutTheStepTheFirstFileFails() throws {
        var plan = Planner(spec: try loadSpec("subordinate-only"), caller: Who.rootless.caller).plan()
        plan.steps.removeAll { if case .adoptMappedID = $0.action { true } else { false } }
        let run = simulate(plan, uid: 1000)
        #expect(run.code == 125)
        #expect(run.kernel.logged.contains("mkdir /tmp/newroot: Value too large for defined data type (EOVERFLOW)"), "\(run.kernel.logged)")
    }

    /// Only a map that leaves the caller out gets the step: `self`, or explicit outside ids
    /// that hold the caller's own (root's `outside: 0`), keep the caller's id as it maps.
    @Test func onlyAnUnmappedCallerTakesAnotherID() throws {
        func adopted(_ maps: String, _ who: Who) throws -> [Action] {
            let spec = try loadSpec(text: "version: 1\nnamespaces: [user, mount]\n\(maps)process: {args: [/bin/true]}\n")
            return Planner(spec: spec, caller: who.caller).plan().steps.map(\.action).filter {
                if case .adoptMappedID = $0 { true } else { false }
            }
        }
        let subordinate = "uidMap: [{inside: 0, outside: subordinate, count: 65536}]\ngidMap: [{inside: 0, outside: subordinate, count: 65536}]\n"
        #expect(try adopted(subordinate, .rootless) == [.adoptMappedID(.gid, caller: 1000, to: 0), .adoptMappedID(.uid, caller: 1000, to: 0)])
        #expect(try adopted(subordinate, .root) == [.adoptMappedID(.gid, caller: 0, to: 0), .adoptMappedID(.uid, caller: 0, to: 0)])
        #expect(try adopted("", .rootless) == [])
        let identity = "uidMap: [{inside: 0, outside: 0, count: 65536}]\ngidMap: [{inside: 0, outside: 0, count: 65536}]\n"
        #expect(try adopted(identity, .root) == [])
        #expect(try adopted(identity, .rootless) == [])  // 1000 lies in 0-65535
        let above = "uidMap: [{inside: 0, outside: 2000, count: 10}]\ngidMap: [{inside: 0, outside: 995, count: 10}]\n"
        #expect(try adopted(above, .rootless) == [.adoptMappedID(.uid, caller: 1000, to: 0)])
        let high = "uidMap: [{inside: 5, outside: self, count: 1}]\ngidMap: [{inside: 7, outside: 200000, count: 3}, {inside: 2, outside: 300000, count: 1}]\n"
        #expect(try adopted(high, .rootless) == [.adoptMappedID(.gid, caller: 1000, to: 2)])
    }

    /// The sandbox that takes a mapped id builds its mounts as a stranger to the caller's files:
    /// a bind source under a directory only the caller may enter is refused at preflight, at the
    /// mount's line, with the directory named and the two ways out — before anything is made.
    /// A directory open to others, or owned by mapped ids, or a map with the caller in it, pass.
    @Test func aSourceTheMappedIDCannotReachIsRefusedAtPreflight() throws {
        func run(_ maps: String, _ status: FileStatus) throws -> Simulation {
            let text = "version: 1\nnamespaces: [user, mount]\n\(maps)root: tmpfs\nmounts:\n  - {type: bind, source: ., target: /work}\nprocess: {args: [/bin/true]}\n"
            return simulate(Planner(spec: try loadSpec(text: text), caller: Who.rootless.caller).plan(), uid: 1000) { $0.statuses["/src"] = status }
        }
        let subordinate = "uidMap: [{inside: 0, outside: subordinate, count: 65536}]\ngidMap: [{inside: 0, outside: subordinate, count: 65536}]\n"
        let refused = try run(subordinate, FileStatus(mode: 0o040700, owner: 1000, group: 1000))
        #expect(refused.code == 125)
        #expect(refused.kernel.logged == """
            t.yaml:7:5: error: preflight: /src/repo is out of the sandbox's reach: the uid map leaves out your uid 1000, \
            so the sandbox builds its mounts as uid 0 of the map, uid 100000 on the host, which /src (mode 0700, owner 1000) does not \
            let through: Permission denied (EACCES)
            hint: map your own uid and gid too ({inside: 65536, outside: self, count: 1} in uidMap and gidMap; process uid: 0 and \
            gid: 0 still run the process as 0), or let others through: chmod o+x /src

            """)
        #expect(!refused.trace.contains { if case .clone = $0.call { true } else { false } }, "something was made")
        #expect(try run(subordinate, FileStatus(mode: 0o040701, owner: 1000, group: 1000)).code == 0)
        #expect(try run(subordinate, FileStatus(mode: 0o040700, owner: 100000, group: 100005)).code == 0)
        #expect(try run(subordinate, FileStatus(mode: 0o040700, owner: 100000, group: 1000)).code == 0)  // its own, u+x
        #expect(try run(subordinate, FileStatus(mode: 0o040600, owner: 100000, group: 1000)).code == 125)
        let withSelf = "uidMap: [{inside: 0, outside: subordinate, count: 65536}, {inside: 65536, outside: self, count: 1}]\n"
        #expect(try run(withSelf, FileStatus(mode: 0o040700, owner: 1000, group: 1000)).code == 0)
    }

    /// A cwd the process may not enter (a root built by another user shows its files as nobody)
    /// is not said to be missing: EACCES gets a hint of its own, ENOENT keeps "must exist".
    @Test func aCwdThatCannotBeEnteredIsNotCalledMissing() throws {
        let spec = try loadSpec(text: "version: 1\nnamespaces: [user, mount]\nroot: tmpfs\nprocess: {args: [/bin/true], cwd: /w}\n")
        let plan = Planner(spec: spec, caller: Who.rootless.caller).plan()
        let denied = simulate(plan, uid: 1000) { $0.inject(.nth(1, .EACCES, where: { $0 == .chdir("/w") })) }
        #expect(denied.code == 125)
        #expect(denied.kernel.logged.contains("error: process: cwd /w: Permission denied (EACCES)\nhint: the directory exists, but the process may not enter it"),
                "\(denied.kernel.logged)")
        #expect(denied.kernel.logged.contains("mmdebstrap as root"))
        let missing = simulate(plan, uid: 1000) { $0.inject(.nth(1, .ENOENT, where: { $0 == .chdir("/w") })) }
        #expect(missing.kernel.logged.contains("hint: the directory must exist inside the sandbox"), "\(missing.kernel.logged)")
    }

    // MARK: - Conveniences (issue 15, item 7)

    /// `inside: self` keeps the caller's id; `capabilities: [ALL]` is every capability of the
    /// running kernel (its cap_last_cap, not nsspec's list); `passEnv: ["*"]` is the caller's
    /// whole environment, with `env` winning.
    @Test func insideSelfAllCapabilitiesAndTheWholeEnvironment() throws {
        let spec = """
            version: 1
            namespaces: [user, mount]
            uidMap: [{inside: self, outside: self, count: 1}]
            gidMap: [{inside: self, outside: self, count: 1}]
            process:
              args: [/bin/true]
              env: {TERM: dumb}
              passEnv: ["*"]
              capabilities: [ALL]
            """
        let run = simulate(Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan(), uid: 1000) {
            $0.lastCap = 37
        }
        #expect(run.code == 0, "\(run.kernel.logged)")
        let calls = run.trace.map(\.call)
        #expect(calls.contains(.writeFile("/proc/self/uid_map", "1000 1000 1\n")), "\(run.text)")
        #expect(calls.contains(.setCapabilities(Array(0...37))))
        #expect(calls.contains(.setAmbientCapabilities(Array(0...37))))
        let env = calls.compactMap { if case .execve(_, _, let env) = $0 { env } else { nil } }.first
        #expect(env == ["TERM=dumb", "PATH=/usr/bin:/bin", "SECRET=host"])
    }

    // MARK: - Messages of failures

    @Test func missingSourceNamesTheMountLine() throws {
        let spec = """
            version: 1
            namespaces: [user, mount]
            mounts:
              - {type: bind, source: /nonexistent, target: /x}
            process: {args: [/bin/true]}
            """
        let run = simulate(Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan(), uid: 1000) {
            $0.missing = ["/nonexistent"]
        }
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            t.yaml:4:5: error: preflight: /nonexistent does not exist: No such file or directory (ENOENT)
            hint: create it, fix the path (relative paths are relative to the spec file), or add `optional: true`

            """)
        #expect(!run.trace.contains { if case .clone = $0.call { true } else { false } }, "nothing may be created after a preflight failure")
    }

    /// A missing directory root is no bind: its hint says to make a root file system there, not
    /// to add `optional` (which a root does not have).
    @Test func missingDirectoryRootSaysToMakeOne() throws {
        let spec = """
            version: 1
            namespaces: [user, mount]
            root: {path: /nonexistent-root, readonly: true}
            process: {args: [/bin/true]}
            """
        let run = simulate(Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan(), uid: 1000) {
            $0.missing = ["/nonexistent-root"]
        }
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            t.yaml:3:14: error: preflight: /nonexistent-root does not exist: No such file or directory (ENOENT)
            hint: make it a root file system first (e.g. mmdebstrap --variant=minbase bookworm DIR), or fix the path (relative paths are relative to the spec file)

            """)
    }

    @Test func mapWriteEPERMExplainsItself() throws {
        let run = try simulate("hello", .rootless, failing: .nth(where: {
            if case .writeFile(let path, _) = $0 { path.hasSuffix("uid_map") } else { false }
        }))
        #expect(run.kernel.logged.contains("error: id maps: write the init's uid_map: 0 self 1: write /proc/self/uid_map: Operation not permitted (EPERM)"))
        #expect(run.kernel.logged.contains("hint: unprivileged users may map only their own uid, once; install newuidmap"))
    }

    /// Host checks: each names what to change on the host, and nothing is forked. A refused user
    /// namespace is explained after the kernel refused it (the sysctls are read only then).
    func preflightFailure(_ spec: String, _ setUp: (FakeKernel) -> Void) throws -> String {
        let run = try simulate(spec, .rootless, setUp)
        #expect(run.code == 125)
        let made = run.trace.contains { entry in
            guard case .clone = entry.call else { return false }
            return !entry.failed
        }
        #expect(!made, "nothing may be created after a preflight failure")
        return run.kernel.logged
    }

    /// Without a new pid namespace the sandbox may outlive nsspec: the run goes on from a sealed
    /// copy of nsspec's binary, re-exec'd before anything else; when that exec fails, nothing
    /// else happens.
    @Test func withoutAPidNamespaceNsspecReexecsFromASealedCopyFirst() throws {
        let run = try simulate("nopid-root", .root) { $0.sealedCopy = false }
        #expect(run.code == 125)
        #expect(run.trace.contains { $0.call == .reexecSealed })
        #expect(!run.trace.contains { if case .clone = $0.call { true } else { false } })
        #expect(run.kernel.logged.contains("error: preflight: go on from a sealed copy of nsspec's binary (memfd)"), "\(run.kernel.logged)")
        #expect(run.kernel.logged.contains("execveat memfd:nsspec: Exec format error (ENOEXEC)"), "\(run.kernel.logged)")
        // Already the sealed copy: no re-exec.
        let sealed = try simulate("nopid-root", .root) { $0.sealedCopy = true }
        // Over the host's writable tree the file is in reach by its path anyway: no copy.
        let hostTree = try simulate("nopid-veth", .root) { $0.sealedCopy = false }
        #expect(hostTree.code == 0 && !hostTree.trace.contains { $0.call == .reexecSealed })
        #expect(!sealed.trace.contains { $0.call == .reexecSealed })
    }

    @Test func userNamespacesDisabled() throws {
        let logged = try preflightFailure("hello") { $0.files["/proc/sys/user/max_user_namespaces"] = "0\n" }
        #expect(logged == """
            specs/hello.yaml:11:1: error: sandbox process: user namespaces are disabled on this host (user.max_user_namespaces = 0): No space left on device (ENOSPC)
            hint: as root: sysctl -w user.max_user_namespaces=15000

            """)
    }

    /// With a time namespace (or a joined one) the child unshares the user namespace alone; the
    /// same reasons. (A join under a new user namespace is refused by validate: join-under-new-user.)
    @Test func userNamespaceRefusedToTheChildIsExplainedToo() throws {
        let plan = Planner(spec: try loadSpec(text: """
            version: 1
            namespaces: [user, mount, time]
            process: {args: [/bin/true]}
            """), caller: Who.rootless.caller).plan()
        let run = simulate(plan, uid: 1000) { $0.files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1\n" }
        #expect(run.code == 125)
        #expect(run.trace.contains { $0.call == .unshare(.newUser) && $0.outcome == .failed(.EACCES) })
        #expect(run.kernel.logged == """
            t.yaml:2:14: error: user namespace: AppArmor restricts unprivileged user namespaces on this host (kernel.apparmor_restrict_unprivileged_userns = 1): Permission denied (EACCES)
            hint: as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give nsspec an AppArmor profile with `userns,`

            """)
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }

    @Test func unprivilegedUserNamespacesDisabled() throws {
        let logged = try preflightFailure("hello") { $0.files["/proc/sys/kernel/unprivileged_userns_clone"] = "0\n" }
        #expect(logged.hasPrefix("specs/hello.yaml:11:1: error: sandbox process: unprivileged user namespaces are disabled on this host"))
        #expect(logged.contains("hint: as root: sysctl -w kernel.unprivileged_userns_clone=1"))
    }

    @Test func mapHelperMissing() throws {
        let logged = try preflightFailure("rootless-multirange") { kernel in
            for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] { kernel.missing.insert(dir + "/newuidmap") }
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
            hint: as root: usermod --add-subuids 131072-196607 tester

            """)
    }

    /// A subordinate range split over many lines of /etc/subuid makes one spec entry many map
    /// lines, which validation cannot see: the resolved map is checked against the kernel's
    /// limits before newuidmap is run, and nothing is left behind.
    @Test func subordinateRangesSplitPastTheMapLimit() throws {
        var subuid = ""
        for i in 0..<330 { subuid += "tester:\(100_000 + i * 1000):200\n" }
        let run = try simulate("rootless-multirange", .rootless) { $0.files["/etc/subuid"] = subuid }
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            specs/rootless-multirange.yaml:14:3: error: id maps: the uid map, with /etc/subuid's ranges filled in, is 5528 bytes; the kernel takes fewer than 4096 in one write
            hint: the caller's subordinate ranges are split into many small ones in /etc/subuid; give it fewer, larger ranges, or map fewer ids

            """)
        #expect(!run.trace.contains { if case .spawn = $0.call { true } else { false } }, "newuidmap ran")
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }
}

/// Failure injection by what a call is, not only by its index.
@Suite struct InjectionTests {
    @Test func theThirdMount() throws {
        let run = try simulate("hello", .root, failing: .nth(3, where: { if case .mount = $0 { true } else { false } }))
        let mounts = run.trace.filter { if case .mount = $0.call { true } else { false } }
        #expect(mounts.count == 3 && mounts[2].failed && !mounts[0].failed && !mounts[1].failed)
        #expect(run.kernel.logged.hasPrefix("specs/hello.yaml:14:7: error: mounts: tmpfs as the new root (mode 0755): mount /newroot: Operation not permitted (EPERM)"),
                "\(run.kernel.logged)")
        #expect(run.code == 125)
    }

    @Test func theSetnsOfTheNetNamespace() throws {
        let run = try simulate("join-netns", .root, failing: .nth(where: { if case .setns(_, let flags) = $0 { flags == .newNet } else { false } }))
        #expect(run.kernel.logged == """
            specs/join-netns.yaml:11:49: error: namespaces: setns(/run/netns/nsspec-demo, CLONE_NEWNET): /run/netns/nsspec-demo is owned by a user namespace outside this one (the host's own, or one of another user or process), over which nsspec's user namespace has no CAP_SYS_ADMIN; a namespace is joined only with CAP_SYS_ADMIN over the user namespace that owns it: Operation not permitted (EPERM)
            hint: run nsspec as root, or join the user namespace that owns it too, listed before it in namespaces: {type: user, path: /proc/PID/ns/user} of a process in it (`lsns -t user` lists them)

            """)
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }
}

/// The sandbox's own session keyring: joined last before the process starts, whatever else the
/// spec says; a kernel without keyrings has nothing to keep apart.
@Suite struct SessionKeyringTests {
    @Test(arguments: allSpecs)
    func joinedBeforeTheProcessStarts(_ name: String) throws {
        let run = try simulate(name, .root)
        guard run.code == 0 else { return }
        let keyring = try #require(run.trace.firstIndex { $0.call == .joinSessionKeyring }, "\(name): no keyring joined")
        let start = try #require(run.trace.firstIndex {
            switch $0.call {
            case .spawn, .execve: true
            default: false
            }
        })
        #expect(keyring < start && run.trace[keyring].process == run.trace[start].process)
    }

    @Test func noKeyringsOnThisKernelIsNoError() throws {
        let run = try simulate("hello", .rootless, failing: .nth(1, .ENOSYS, where: { $0 == .joinSessionKeyring }))
        #expect(run.code == 0, "\(run.kernel.logged)")
    }

    @Test func aFullKeyQuotaIsExplained() throws {
        let run = try simulate("hello", .rootless, failing: .nth(1, .EDQUOT, where: { $0 == .joinSessionKeyring }))
        #expect(run.code == 125)
        #expect(run.kernel.logged.contains("error: process: a session keyring of its own (KEYCTL_JOIN_SESSION_KEYRING): the caller's keys out of reach: keyctl(KEYCTL_JOIN_SESSION_KEYRING): Disk quota exceeded (EDQUOT)"), "\(run.kernel.logged)")
        #expect(run.kernel.logged.contains("hint: the caller's key quota is full"))
    }
}
