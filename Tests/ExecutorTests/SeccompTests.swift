@testable import Executor
import KernelModel
import Planning
import SpecFormat
import SyscallFilter
import Testing
import Validation

/// The default profile and the forms of `process.seccomp`, as plans; the cache of compiled
/// programs. (The filters themselves are attacked from inside real sandboxes in
/// Tests/integration, t_seccomp.)
@Suite struct SeccompTests {
    func plan(_ process: String) throws -> SeccompPlan? {
        let spec = try loadSpec(text: "version: 1\nnamespaces: [user]\nprocess:\n  args: [/bin/true]\n" + process)
        let steps = Planner(spec: spec, caller: Who.rootless.caller).plan().steps
        for step in steps { if case .compileSeccomp(let policy) = step.action { return policy.expanded } }
        return nil
    }

    func action(_ plan: SeccompPlan, _ name: String) -> FilterAction {
        var result = FilterAction.allow
        for filter in plan.filters {
            let rules = filter.rules.filter { $0.name == name }
            let here = rules.isEmpty ? filter.defaultAction : rules.contains { $0.conditions.isEmpty } ? rules.first { $0.conditions.isEmpty }!.action
                : .allow  // conditional: allowed with some arguments
            if here != .allow { result = here }
        }
        return result
    }

    @Test func theDefaultProfileRefusesTheAttackSurface() throws {
        let s = try #require(try plan(""))
        #expect(s.profile == .default)
        for name in ["keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "unshare",
                     "setns", "mount", "ptrace", "process_vm_readv", "kexec_load", "init_module", "reboot", "pivot_root"] {
            #expect(action(s, name) == .deny, "\(name)")
        }
        #expect(action(s, "clone3") == .notImplemented)
        for name in ["read", "write", "execve", "uname", "wait4", "rt_sigaction", "futex", "seccomp"] { #expect(action(s, name) == .allow, "\(name)") }
        #expect(s.conditional == ["clone", "ioctl", "personality", "socket"])
        // ioctl and socket: allowed by the first filter, refused with some arguments by the second.
        let second = try #require(s.filters.dropFirst().first)
        #expect(second.defaultAction == .allow)
        #expect(second.rules.contains(FilterRule("ioctl", .deny, [ArgumentCondition(argument: 1, mask: 0xFFFF_FFFF, equals: 0x5412)])))
        #expect(second.rules.contains(FilterRule("ioctl", .deny, [ArgumentCondition(argument: 1, mask: 0xFFFF_FFFF, equals: 0x541C)])))
        #expect(s.filters[0].rules.contains(FilterRule("clone", .allow, [ArgumentCondition(argument: 0, mask: 0x7E02_0000, equals: 0)])))
    }

    @Test func keptCapabilitiesAndNestedNamespacesOpenTheirCalls() throws {
        let admin = try #require(try plan("  capabilities: [CAP_SYS_ADMIN]\n"))
        for name in ["mount", "umount2", "unshare", "setns", "clone3"] { #expect(action(admin, name) == .allow, "\(name)") }
        #expect(action(admin, "ptrace") == .deny)
        let nested = try #require(try plan("  nestedNamespaces: true\n"))
        for name in ["unshare", "setns", "clone", "clone3"] { #expect(action(nested, name) == .allow, "\(name)") }
        #expect(action(nested, "mount") == .deny)
        let ptrace = try #require(try plan("  capabilities: [CAP_SYS_PTRACE]\n"))
        #expect(action(ptrace, "ptrace") == .allow)
    }

    @Test func allowAndDeny() throws {
        let s = try #require(try plan("  seccomp: {allow: [keyctl, ioctl], deny: [uname]}\n"))
        #expect(action(s, "keyctl") == .allow)
        #expect(action(s, "uname") == .deny)
        #expect(s.denied == ["uname"])
        #expect(!s.conditional.contains("ioctl"), "ioctl allowed back whole: no TIOCSTI refusal")
        #expect(try plan("  seccomp: unconfined\n") == nil)
        let denyList = try #require(try plan("  seccomp: {profile: unconfined, deny: [uname]}\n"))
        #expect(denyList.filters == [Filter(defaultAction: .allow, rules: [FilterRule("uname", .deny)])])
    }

    /// Every name of the profile is a call libseccomp knows, but for calls newer than it (left
    /// out when compiled, so denied) and 32-bit ones (not on x86_64 or aarch64).
    @Test func theProfileNamesRealCalls() {
        let names = Set(SeccompProfiles.allowed + SeccompProfiles.byCapability.flatMap(\.names) + SeccompProfiles.namespaceCalls)
        let unknown = names.subtracting(SyscallNames.set).sorted()
        #expect(unknown == ["getxattrat", "ipc", "listmount", "listxattrat", "lsm_get_self_attr", "lsm_list_modules",
                            "lsm_set_self_attr", "mseal", "removexattrat", "setxattrat", "statmount", "stime", "umount",
                            "uretprobe", "waitpid"])
    }

    /// Loaded by the sandbox after no_new_privs and its keyring, right before the process; as
    /// the first thing of the process stage when the spec turns no_new_privs off (the kernel
    /// then asks for CAP_SYS_ADMIN, which goes with the uid change).
    @Test func loadedLastOrBeforeTheIdsChange() throws {
        let spec = { (extra: String) in try loadSpec(text: "version: 1\nnamespaces: [user, pid]\nprocess:\n  args: [/bin/true]\n  uid: 0\n" + extra) }
        let last = Planner(spec: try spec(""), caller: Who.rootless.caller).plan().steps.map(\.action.op)
        let load = try #require(last.firstIndex(of: "load-seccomp"))
        #expect(Array(last[(load - 2)...(load + 1)]) == ["setsid", "new-session-keyring", "load-seccomp", "spawn"])
        let early = Planner(spec: try spec("  noNewPrivileges: false\n"), caller: Who.rootless.caller).plan().steps.map(\.action.op)
        let loadEarly = try #require(early.firstIndex(of: "load-seccomp"))
        #expect(loadEarly < early.firstIndex(of: "setuid")! && loadEarly < early.firstIndex(of: "capabilities")!)
        // In the model, a filter loaded before the setup would refuse it: the goldens pass, so
        // nothing of the setup comes after.
        let run = try simulate("hello", .rootless)
        #expect(run.code == 0 && !run.trace.contains { $0.failed })
    }

    @Test func theCacheChecksWhatItReads() {
        let programs: [[UInt8]] = [Array(repeating: 1, count: 64), Array(repeating: 2, count: 8)]
        let bytes = Executor.encodeSeccompPrograms(programs)
        #expect(Executor.decodeSeccompPrograms(bytes) == programs)
        for n in 0..<bytes.count { #expect(Executor.decodeSeccompPrograms(Array(bytes.prefix(n))) == nil, "cut at \(n)") }
        #expect(Executor.decodeSeccompPrograms(bytes + [0]) == nil)
        #expect(Executor.decodeSeccompPrograms(Executor.encodeSeccompPrograms([])) == nil)
        #expect(Executor.decodeSeccompPrograms(Executor.encodeSeccompPrograms([[1, 2, 3]])) == nil, "not whole instructions")
        let policy = SeccompPolicy(profile: .default, allow: [], deny: ["uname"], capabilities: [], nestedNamespaces: false)
        var other = policy
        other.deny = ["unlink"]
        var nested = policy
        nested.nestedNamespaces = true
        let keys = [Executor.seccompKey(policy, compiler: "x"), Executor.seccompKey(other, compiler: "x"),
                    Executor.seccompKey(nested, compiler: "x"), Executor.seccompKey(policy, compiler: "y")]
        #expect(Set(keys).count == 4)
    }

    /// Cached filters are keyed on the policy and `SeccompProfiles.version`, not on the filters:
    /// a change to the profile must change the version, or launches would load the old filter
    /// from their caches. This pins a hash of the profile to the version.
    @Test func aChangedProfileChangesItsVersion() {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ text: String) { for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        let policies = [SeccompPolicy(profile: .default, allow: [], deny: [], capabilities: [], nestedNamespaces: false),
                        SeccompPolicy(profile: .default, allow: [], deny: [], capabilities: SeccompProfiles.byCapability.map(\.capability),
                                      nestedNamespaces: true)]
        for policy in policies {
            for filter in policy.expanded.filters {
                add("\(filter.defaultAction)")
                for rule in filter.rules { add("\(rule.name) \(rule.action) \(rule.conditions)") }
            }
        }
        let pinned: [Int: UInt64] = [1: 0x30d4d4c4ad50d887]
        #expect(pinned[SeccompProfiles.version] == hash,
                "the profile changed: bump SeccompProfiles.version and pin its hash here: [\(SeccompProfiles.version): 0x\(String(hash, radix: 16))]")
    }
}

/// The kernel's refusals of a filter explain themselves.
@Suite struct SeccompLoadMessageTests {
    @Test func refusedWithoutNoNewPrivs() throws {
        let run = try simulate("hello", .rootless, failing: .nth(1, .EACCES, where: { if case .loadSeccomp = $0 { true } else { false } }))
        #expect(run.code == 125)
        #expect(run.kernel.logged.contains("error: process: load the seccomp filter (default profile, 2 filters): seccomp(SECCOMP_SET_MODE_FILTER): Permission denied (EACCES)"),
                "\(run.kernel.logged)")
        #expect(run.kernel.logged.contains("hint: a process loads a seccomp filter only with no_new_privs or CAP_SYS_ADMIN"))
    }

    @Test func refusedFilter() throws {
        let run = try simulate("hello", .rootless, failing: .nth(1, .EINVAL, where: { if case .loadSeccomp = $0 { true } else { false } }))
        #expect(run.kernel.logged.contains("hint: the kernel refused the filter (is CONFIG_SECCOMP_FILTER set?); `seccomp: unconfined` runs without one"),
                "\(run.kernel.logged)")
    }
}
