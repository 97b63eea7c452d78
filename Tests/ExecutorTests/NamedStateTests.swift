import Executor
import KernelModel
import System
import Testing

/// The state of named sandboxes (Sources/Executor/NamedSandbox.swift) against the model of the
/// kernel: the claim of a name, a claim's liveness, removals only of the record judged. The
/// races themselves (8 runs of one name at once) are in Tests/integration/areas/named_state.sh.
@Suite struct NamedStateTests {
    static func state(_ kernel: FakeKernel) throws -> StateDirectory {
        kernel.uid = 0
        kernel.privateDirectories = ["/run/nsspec"]
        return try StateDirectory.open(kernel).get()
    }

    static func claim(_ name: String = "box", pid: Int32 = 500, start: UInt64 = 9000) -> SandboxRecord {
        SandboxRecord(name: name, state: .starting, pid: pid, pidStart: start, supervisor: pid, supervisorStart: start, namespaces: [],
                      spec: "/s.yaml", specDigest: 7, detached: true)
    }

    /// /proc/PID/stat with field 22 = `start`.
    static func stat(_ start: UInt64) -> String {
        "1 (nsspec run) S " + (4...21).map { _ in "0" }.joined(separator: " ") + " \(start) 0 0\n"
    }

    @Test func aStartingRecordComesBackWhole() {
        let claim = Self.claim()
        #expect(claim.encoded().contains("\nstate=starting\n"))
        #expect(SandboxRecord(decoding: claim.encoded()) == claim)
        #expect(SandboxRecord(decoding: claim.encoded())?.state == .starting)
    }

    /// The claim is an exclusive create: the second claim of a name is EEXIST and leaves the
    /// first as it was.
    @Test func aNameIsClaimedOnce() throws {
        let kernel = FakeKernel()
        let state = try Self.state(kernel)
        try state.claim(Self.claim(pid: 500))
        #expect(throws: SystemError.self) { try state.claim(Self.claim(pid: 600)) }
        do {
            try state.claim(Self.claim(pid: 600))
        } catch let error as SystemError {
            #expect(error.errno == .EEXIST)
        }
        guard case .found(let record) = state.read("box") else { Issue.record("no record"); return }
        #expect(record.pid == 500 && record.state == .starting)
    }

    /// A claim is live while its nsspec (pid) or the supervisor that took it over is; a pid
    /// reused by another process (another start time) is not the claimer.
    @Test func aClaimIsLiveWhileItsClaimerOrSupervisorIs() {
        let kernel = FakeKernel()
        var claim = Self.claim(pid: 500, start: 9000)
        #expect(!NamedSandbox.isLive(claim, kernel))
        kernel.files["/proc/500/stat"] = Self.stat(9000)
        #expect(NamedSandbox.isLive(claim, kernel))
        kernel.files["/proc/500/stat"] = Self.stat(9001)
        #expect(!NamedSandbox.isLive(claim, kernel), "pid 500 is another process now")
        claim.supervisor = 501
        claim.supervisorStart = 9100
        kernel.files["/proc/501/stat"] = Self.stat(9100)
        #expect(NamedSandbox.isLive(claim, kernel), "the supervisor holds it")
        // A running record is the sandbox's process alone.
        var running = claim
        running.state = .running
        #expect(!NamedSandbox.isLive(running, kernel))
    }

    /// A stale record is removed only while it is the one judged: a claim made in its place
    /// since is left alone; the claim of a failed run is removed only by that run.
    @Test func onlyTheRecordJudgedIsRemoved() throws {
        let kernel = FakeKernel()
        let state = try Self.state(kernel)
        try state.claim(Self.claim(pid: 500))
        try state.writePlan("box", [1, 2, 3])
        let (_, judged) = state.readWithBytes("box")
        // Another run removed it and claimed the name: this one's removal does nothing.
        state.remove("box")
        try state.claim(Self.claim(pid: 600))
        #expect(!state.remove("box", ifStill: judged))
        guard case .found(let kept) = state.read("box") else { Issue.record("the new claim was removed"); return }
        #expect(kept.pid == 600)
        // Run 500's failure path leaves run 600's claim; 600's removes it, and its plan.
        try state.writePlan("box", [4])
        state.removeClaim("box", pid: 500, start: 9000)
        #expect(kernel.cacheFiles["/run/nsspec/box"] != nil)
        state.removeClaim("box", pid: 600, start: 9000)
        #expect(kernel.cacheFiles["/run/nsspec/box"] == nil && kernel.cacheFiles["/run/nsspec/box.plan"] == nil)
        // Unchanged: removed.
        try state.claim(Self.claim(pid: 700))
        let (_, now) = state.readWithBytes("box")
        #expect(state.remove("box", ifStill: now))
        #expect(state.names().isEmpty)
    }

    /// The detached supervisor takes the claim over only while it is still its caller's.
    @Test func theSupervisorTakesOverOnlyItsOwnClaim() throws {
        let kernel = FakeKernel()
        let state = try Self.state(kernel)
        let claim = Self.claim(pid: 500)
        try state.claim(claim)
        var mine = claim
        mine.supervisor = 501
        #expect(state.replaceClaim(mine, ifStill: Array(claim.encoded().utf8)))
        guard case .found(let now) = state.read("box") else { Issue.record("no record"); return }
        #expect(now.supervisor == 501)
        var other = claim
        other.supervisor = 502
        #expect(!state.replaceClaim(other, ifStill: Array(claim.encoded().utf8)), "the claim changed since")
    }

    /// Root's `ps` reads the rootless users' state directories: only a real directory owned by
    /// its uid that neither group nor others may write to; in it, only regular files of that
    /// user's are records.
    @Test func rootFindsTheRootlessUsersPrivateStateDirectories() throws {
        let kernel = FakeKernel()
        kernel.uid = 0
        kernel.privateDirectories = ["/run/user", "/tmp"]
        let dir = FileStatus(mode: 0o040700, owner: 0)
        func add(_ path: String, _ status: FileStatus, record: String? = "box", owner: UInt32? = nil) {
            kernel.linkStatuses[path] = status
            kernel.privateDirectories.insert(path)
            guard let record else { return }
            var made = Self.claim(record)
            made.state = .exited(3)
            kernel.cacheFiles["\(path)/\(record)"] = Array(made.encoded().utf8)
            kernel.linkStatuses["\(path)/\(record)"] = FileStatus(mode: 0o100600, owner: owner ?? status.owner)
        }
        add("/run/user/1001/nsspec", FileStatus(mode: dir.mode, owner: 1001))
        add("/run/user/0/nsspec", dir)                                            // root's: not another user's
        add("/tmp/nsspec-1001", FileStatus(mode: dir.mode, owner: 1001), record: "other")
        add("/tmp/nsspec-1002", FileStatus(mode: 0o040770, owner: 1002))           // group may write
        add("/tmp/nsspec-1003", FileStatus(mode: 0o120777, owner: 1003))           // a symlink
        add("/tmp/nsspec-1004", FileStatus(mode: dir.mode, owner: 1005))           // not its uid's
        add("/tmp/nsspec-01006", FileStatus(mode: dir.mode, owner: 1006))          // not how a uid is written
        add("/tmp/nsspec-1007", FileStatus(mode: 0o100600, owner: 1007))           // a file
        add("/tmp/nsspec-1008", FileStatus(mode: dir.mode, owner: 1008), owner: 0) // its record is root's file
        let others = StateDirectory.others(kernel)
        #expect(others.map(\.uid) == [1001, 1001, 1008])
        #expect(others.map(\.directory.path) == ["/run/user/1001/nsspec", "/tmp/nsspec-1001", "/tmp/nsspec-1008"])
        #expect(others[0].directory.names() == ["box"] && others[1].directory.names() == ["other"])
        guard case .found(let record) = others[0].directory.read("box") else { Issue.record("the record of uid 1001"); return }
        #expect(record.state == .exited(3))
        guard case .damaged = others[2].directory.read("box") else { Issue.record("a record not of the user's own was read"); return }
        // A record that is a symlink (to a file of root's, say) is not followed.
        kernel.linkStatuses["/run/user/1001/nsspec/box"] = FileStatus(mode: 0o120777, owner: 1001)
        guard case .damaged = others[0].directory.read("box") else { Issue.record("a symlinked record was read"); return }
        #expect(NamedSandbox.userNames(kernel) == [0: "root", 1000: "tester"])
    }
}
