@testable import Executor
import KernelModel
import Planning
import System
import Testing

/// `nsspec exec` takes the compiled seccomp filter from run's cache (docs/named-sandboxes.md,
/// Measured): on a hit nothing is compiled; on a miss the filter is compiled in nsspec's own
/// process before the join (the cache is on the host's filesystem) and stored; either way the
/// cache's secret is forgotten before the sandbox can see the process.
@Suite struct ExecSeccompCacheTests {
    static let flags: CloneFlags = [.newUser, .newNS, .newPID, .newUTS, .newIPC]

    static func compiles(_ kernel: FakeKernel) -> Int {
        kernel.trace.filter { if case .compileSeccomp = $0.call { true } else { false } }.count
    }

    static func join(_ plan: Plan, _ kernel: FakeKernel, cache: CacheStore?) -> Int32 {
        kernel.runAsParent {
            Executor(plan: plan, system: kernel, cache: cache).join(Executor.JoinTarget(pid: 4242, namespaces: Self.flags, startTime: 77),
                                                                    command: ["/bin/true"], extraEnvironment: [:],
                                                                    startTimeOf: { $0 == 4242 ? 77 : nil })
        }
    }

    static func setUp() throws -> (FakeKernel, Plan, SeccompPolicy) {
        let kernel = FakeKernel()
        kernel.uid = 1000
        kernel.extraEnvironment = ["HOME=/home/t"]
        kernel.privateDirectories = ["/home/t/.cache/nsspec"]
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.rootless.caller).plan()
        let policy = try #require(plan.steps.lazy.compactMap { step -> SeccompPolicy? in
            if case .compileSeccomp(let p) = step.action { return p }
            return nil
        }.first)
        return (kernel, plan, policy)
    }

    /// A hit: exec compiles nothing, and loads the cached programs in the joined child.
    @Test func onACacheHitExecCompilesNothing() throws {
        let (kernel, plan, policy) = try Self.setUp()
        // What run leaves in the cache.
        let programs = try Executor(plan: plan, system: kernel, cache: try CacheStore.open(kernel).get()).seccompPrograms(policy)
        let before = Self.compiles(kernel)
        #expect(before == programs.count && before > 0)
        let store = try CacheStore.open(kernel).get()
        let code = Self.join(plan, kernel, cache: store)
        let text = kernel.trace.map(\.description).joined(separator: "\n")
        #expect(code == 0, "\(kernel.logged)\n\(text)")
        #expect(Self.compiles(kernel) == before, "exec compiled the filter on a cache hit:\n\(text)")
        #expect(kernel.trace.contains { $0.description.hasPrefix("exec    seccomp SECCOMP_SET_MODE_FILTER") }, "\(text)")
        #expect(store.key.wiped, "the cache's secret is forgotten")
    }

    /// A miss: compiled once, in nsspec's process before it is not dumpable and joins (the
    /// cache's files are the host's), and stored: the next exec compiles nothing.
    @Test func onAMissExecCompilesBeforeTheJoinAndFillsTheCache() throws {
        let (kernel, plan, _) = try Self.setUp()
        #expect(Self.join(plan, kernel, cache: try CacheStore.open(kernel).get()) == 0, "\(kernel.logged)")
        let sim = Simulation(code: 0, kernel: kernel, plan: plan)
        let compile = try sim.line(startingWith: "parent  libseccomp")
        let dumpable = try sim.line(startingWith: "parent  PR_SET_DUMPABLE 0")
        let setns = try sim.line(startingWith: "parent  setns")
        #expect(compile < dumpable && dumpable < setns, "\(sim.text)")
        #expect(kernel.cacheFiles.keys.contains { $0.hasPrefix("/home/t/.cache/nsspec/seccomp-") })
        let first = Self.compiles(kernel)
        #expect(Self.join(plan, kernel, cache: try CacheStore.open(kernel).get()) == 0)
        #expect(Self.compiles(kernel) == first, "the second exec compiled again")
        // Without a cache (--no-cache, or none to open): compiled on every exec.
        #expect(Self.join(plan, kernel, cache: nil) == 0)
        #expect(Self.compiles(kernel) == 2 * first)
    }
}
