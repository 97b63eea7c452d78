import Executor
import KernelModel
import Planning
import System
import Testing

/// `nsspec exec`'s join (Sources/Executor/Join.swift) against the model of the kernel: the order
/// that keeps the joining process out of reach of the sandbox, and the identity of the plan.
@Suite struct JoinTests {
    static let flags: CloneFlags = [.newUser, .newNS, .newPID, .newUTS, .newIPC]

    func join(_ setUp: (FakeKernel) -> Void = { _ in }) throws -> Simulation {
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.rootless.caller).plan()
        let kernel = FakeKernel()
        kernel.uid = 1000
        setUp(kernel)
        let code = kernel.runAsParent {
            Executor(plan: plan, system: kernel).join(Executor.JoinTarget(pid: 4242, namespaces: Self.flags, startTime: 77),
                                                      command: ["/bin/true"], extraEnvironment: ["EXTRA": "1"],
                                                      startTimeOf: { $0 == 4242 ? 77 : nil })
        }
        return Simulation(code: code, kernel: kernel, plan: plan)
    }

    /// Not dumpable before any namespace is joined; every namespace at once through the pidfd;
    /// the fork after the join (a pid namespace holds only children made after it); then the
    /// plan's identity (gid, uid, capabilities, no_new_privs, seccomp) before the exec.
    @Test func notDumpableThenPidfdSetnsThenForkThenIdentity() throws {
        let sim = try join()
        #expect(sim.code == 0, "\(sim.kernel.logged)\n\(sim.text)")
        let dumpable = try sim.line(startingWith: "parent  PR_SET_DUMPABLE 0")
        let pidfd = try sim.line(startingWith: "parent  pidfd_open 4242")
        let setns = try sim.line(startingWith: "parent  setns pidfd")
        let fork = try sim.line(startingWith: "parent  clone3")
        let caps = try sim.line(startingWith: "exec    capset effective := permitted")
        let nnp = try sim.line(startingWith: "exec    PR_SET_NO_NEW_PRIVS")
        let seccomp = try sim.line(startingWith: "exec    seccomp SECCOMP_SET_MODE_FILTER")
        let exec = try sim.line(startingWith: "exec    execve")
        #expect(dumpable < pidfd && pidfd < setns && setns < fork, "\(sim.text)")
        #expect(fork < caps && caps < nnp && nnp < seccomp && seccomp < exec, "\(sim.text)")
        #expect(sim.trace[setns].description.contains("CLONE_NEWUSER"), "\(sim.text)")
        #expect(sim.trace[exec].description.contains("EXTRA=1"), "\(sim.text)")
    }

    /// Before Linux 5.8 (a pidfd setns is EINVAL): one /proc/PID/ns file at a time, the user
    /// namespace first (the others need the capabilities it gives).
    @Test func withoutPidfdSetnsTheUserNamespaceFirst() throws {
        let sim = try join { $0.pidfdSetnsRefused = true }
        #expect(sim.code == 0, "\(sim.kernel.logged)\n\(sim.text)")
        let user = try sim.line(startingWith: "parent  setns /proc/4242/ns/user")
        let mnt = try sim.line(startingWith: "parent  setns /proc/4242/ns/mnt")
        let pid = try sim.line(startingWith: "parent  setns /proc/4242/ns/pid")
        let dumpable = try sim.line(startingWith: "parent  PR_SET_DUMPABLE 0")
        #expect(dumpable < user && user < mnt && user < pid, "\(sim.text)")
    }

    /// A pid whose start time is not the recorded one is not joined: nothing is.
    @Test func aReusedPidIsRefused() throws {
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.rootless.caller).plan()
        let kernel = FakeKernel()
        let code = kernel.runAsParent {
            Executor(plan: plan, system: kernel).join(Executor.JoinTarget(pid: 4242, namespaces: Self.flags, startTime: 77),
                                                      command: nil, extraEnvironment: [:], startTimeOf: { _ in 78 })
        }
        #expect(code == 125)
        #expect(kernel.logged.contains("is not the sandbox's process any more"))
        #expect(!kernel.trace.contains { $0.description.contains("setns") })
    }
}
