@testable import Executor
import Diagnostics
import KernelModel
@testable import Planning
import SpecFormat
import System
import Testing

/// nsspec's cache: the plan's binary form, and the store's checks (stale, damaged, forged). The
/// cache of a real run, and an entry forged from inside a real sandbox, are in
/// Tests/integration/areas/cache.sh.
@Suite struct CacheTests {
    @Test(arguments: Who.allCases)
    func everyPlanComesBackWhole(_ who: Who) throws {
        for name in allSpecs {
            let plan = Planner(spec: try loadSpec(name), caller: who.caller).plan()
            #expect(Plan(encoded: plan.encoded()) == plan, "\(name) as \(who)")
            let overridden = Planner(spec: try loadSpec(name), caller: who.caller, argsOverride: ["/bin/sh", "-c", "ünï €"]).plan()
            #expect(Plan(encoded: overridden.encoded()) == overridden, "\(name) as \(who), a command given")
        }
    }

    /// One step of every action, with values at their edges.
    static let everyAction: [Action] = [
        .checkMapHelper(.gid), .checkSubordinateRange(.uid, count: UInt64.max), .checkSource(path: "/src/ü", optional: true),
        .checkTarget(path: "/etc/x", directory: false), .runFromSealedCopy, .openChannel, .watchParent, .fork(.child),
        .clone(.`init`, NamespaceKind.allCases), .dieWithParent, .notDumpable, .handoff(.hostSideReady, to: .`init`),
        .unshare(.time), .join(.net, path: "/run/netns/x"), .writeSetgroups(.allow, of: .child),
        .writeMap(.uid, [MapLine(inside: 0, outside: .caller, count: 1), MapLine(inside: 1, outside: .subordinate, count: 65535),
                         MapLine(inside: UInt32.max, outside: .id(UInt32.max), count: 1)], helper: true, of: .`init`),
        .setHostname("h"), .setDomainname(""), .makeRootPrivate, .enterStaging, .mountRootTmpfs, .bindRoot(path: "/r", readonly: true),
        .bind(source: "/a", target: "/b", optional: true, recursive: false, flags: MountOptions(readonly: true, noexec: true), propagation: .shared),
        .tmpfs(target: "/t", size: .bytes(1 << 40), mode: 0o1777, flags: MountOptions(nosuid: true, nodev: true)),
        .tmpfs(target: "/u", size: .percent(50), mode: nil, flags: MountOptions()), .tmpfs(target: "/v", size: nil, mode: 0, flags: MountOptions()),
        .proc(target: "/proc"), .sysfs(target: "/sys", readonly: false), .dev(target: "/dev"), .devpts(target: "/dev/pts"),
        .mqueue(target: "/dev/mqueue"), .directory(target: "/d", mode: nil), .directory(target: "/e", mode: 0o700),
        .file(target: "/f", content: "line\n\u{0}end", mode: 0o644), .symlink(target: "/bin", link: "usr/bin"),
        .maskPaths(["/proc/kcore", "/proc/keys"]), .readonlyPaths([]), .pivotRoot, .remountRootReadonly, .readonlyHostTree,
        .checkNetworkAdmin, .checkHostInterface("nss0"),
        .checkHostAddresses([CIDR(address: .v4(0x0AFA_0001), prefix: 30), CIDR(address: .v6(high: UInt64.max, low: 1), prefix: 128)]),
        .createVeth(VethPair(host: nil, peer: "eth0", mtu: nil, mac: nil), peerIn: .child),
        .createVeth(VethPair(host: "h0", peer: "eth1", mtu: 9000, mac: MACAddress(octets: [2, 0, 0xA, 0xFA, 0, 2])), peerIn: .`init`),
        .addAddress(interface: "eth0", CIDR(address: .v4(1), prefix: 0)), .linkUp("eth0"),
        .addRoute(interface: "eth0", to: nil, via: .v4(0x0AFA_0001)),
        .addRoute(interface: "eth0", to: CIDR(address: .v6(high: 0xFD00 << 48, low: 0), prefix: 64), via: nil), .loopbackUp,
        .setRlimit(name: "NOFILE", soft: .limit(0), hard: .unlimited), .setGroups([], joinedUserNamespace: true),
        .setGroups([0, 27, UInt32.max], joinedUserNamespace: false), .setGid(7), .setUid(UInt32.max), .capabilities(keep: ["CAP_NET_ADMIN"]),
        .noNewPrivileges, .newSession, .newSessionKeyring,
        .compileSeccomp(SeccompPolicy(profile: .default, allow: ["ptrace"], deny: ["uname"], capabilities: ["CAP_SYS_ADMIN"], nestedNamespaces: true)),
        .loadSeccomp(SeccompPolicy(profile: .unconfined, allow: [], deny: [], capabilities: [], nestedNamespaces: false)),
        .exec(args: ["/bin/true"], cwd: nil, env: []), .spawn(args: ["a", ""], cwd: "/w", env: [.set("A", "b=c"), .pass("TERM")]),
        .reapAndForward, .childExits, .supervise(statusOf: .`init`, reap: [.child, .parent]),
        .checkTerminal(required: true), .checkTerminal(required: false), .privateDevpts, .openTerminal,
        .adoptMappedID(.uid, caller: UInt32.max, to: 0), .adoptMappedID(.gid, caller: 0, to: 1000),
    ]

    static func planOfEveryAction() -> Plan {
        let stages = Stage.allCases, actors = Actor.allCases
        let steps = everyAction.enumerated().map { i, action in
            Step(stages[i % stages.count], actors[i % actors.count], action,
                 at: SourceLocation(file: i % 5 == 0 ? "other.yaml" : "t.yaml", line: i * 300, column: i + 1, length: i % 3 + 1))
        }
        return Plan(file: "t.yaml", name: nil, steps: steps, caller: Caller(uid: 1000, gid: 1000, privileged: false, cwd: "/ü"))
    }

    @Test func everyActionComesBackWhole() throws {
        let plan = Self.planOfEveryAction()
        let decoded = try #require(Plan(encoded: plan.encoded()))
        #expect(decoded == plan)
        for (a, b) in zip(decoded.steps, plan.steps) where a != b { Issue.record("\(a) != \(b)") }
    }

    /// A plan's bytes cut short, or with a byte changed, decode to nil or to some plan, never to
    /// a trap (the store authenticates an entry before this; the decoder does not rely on it).
    @Test func damagedPlanBytesAreRefusedOrHarmless() throws {
        let bytes = Self.planOfEveryAction().encoded()
        for n in 0..<bytes.count { #expect(Plan(encoded: Array(bytes.prefix(n))) == nil, "cut at \(n)") }
        #expect(Plan(encoded: bytes + [0]) == nil, "a byte too many")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<3000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var damaged = bytes
            damaged[Int(state >> 33) % bytes.count] ^= UInt8(truncatingIfNeeded: state >> 20) | 1
            _ = Plan(encoded: damaged)
        }
        // Non-minimal and overlong numbers are damage.
        #expect(PlanReader([0x80, 0x00]).u64WithEnd() == nil)
        #expect(PlanReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]).u64WithEnd() == nil)
        #expect(PlanReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).u64WithEnd() == UInt64.max)
    }

    /// The reference vectors of SipHash-2-4 (key 00..0f, message 00..len-1; lengths 0, 1, 8 and
    /// 15 from the paper's vectors.h, the others from an independent implementation).
    @Test func sipHashMatchesItsReference() {
        let key = Array(UInt8(0)..<16)
        let expected: [(Int, UInt64)] = [(0, 0x726F_DB47_DD0E_0E31), (1, 0x74F8_39C5_93DC_67FD), (7, 0xAB02_00F5_8B01_D137),
                                         (8, 0x93F5_F579_9A93_2462), (9, 0x9E00_82DF_0BA9_E4B0), (15, 0xA129_CA61_49BE_45E5),
                                         (16, 0x3F2A_CC7F_57C2_9BDB), (63, 0x958A_324C_EB06_4572)]
        for (length, tag) in expected {
            #expect(SipHash.hash(Array(UInt8(0)..<UInt8(length))[...], key: key) == tag, "length \(length)")
        }
        // A slice that does not start at 0 hashes as its own bytes.
        let longer = Array(UInt8(0)..<20)
        #expect(SipHash.hash(longer[5..<12], key: key) == SipHash.hash(Array(longer[5..<12])[...], key: key))
    }

    static func store(_ kernel: FakeKernel) throws -> CacheStore {
        kernel.extraEnvironment = ["HOME=/home/t"]
        kernel.privateDirectories = ["/home/t/.cache/nsspec"]
        return try CacheStore.open(kernel).get()
    }

    @Test func anEntryAnswersOnlyItsKeyIntactAndFromThisSecret() throws {
        let kernel = FakeKernel()
        let store = try Self.store(kernel)
        #expect(store.directory == "/home/t/.cache/nsspec")
        let key: [UInt8] = Array("spec bytes".utf8), payload: [UInt8] = [1, 2, 3, 0, 255]
        store.write("plan-1.bin", kind: .plan, key: key, payload: payload)
        #expect(store.read("plan-1.bin", kind: .plan, key: key) == payload)
        #expect(store.read("plan-1.bin", kind: .plan, key: Array("spec bytes!".utf8)) == nil, "stale: another key")
        #expect(store.read("plan-1.bin", kind: .seccomp, key: key) == nil, "another kind")
        #expect(store.read("plan-2.bin", kind: .plan, key: key) == nil, "no entry")
        let sealed = try #require(kernel.cacheFiles["/home/t/.cache/nsspec/plan-1.bin"])
        for i in 0..<sealed.count {
            for flip: UInt8 in [0x01, 0x80] {
                var damaged = sealed
                damaged[i] ^= flip
                kernel.cacheFiles["/home/t/.cache/nsspec/plan-1.bin"] = damaged
                #expect(store.read("plan-1.bin", kind: .plan, key: key) == nil, "byte \(i) changed")
            }
        }
        for n in 0..<sealed.count {
            kernel.cacheFiles["/home/t/.cache/nsspec/plan-1.bin"] = Array(sealed.prefix(n))
            #expect(store.read("plan-1.bin", kind: .plan, key: key) == nil, "cut at \(n)")
        }
        // Forged: well formed, for this key, with a valid tag under any other secret.
        let forged = CacheStore.seal(kind: .plan, key: key, payload: [9, 9, 9], secret: Array(repeating: 7, count: 16))
        kernel.cacheFiles["/home/t/.cache/nsspec/plan-1.bin"] = forged
        #expect(store.read("plan-1.bin", kind: .plan, key: key) == nil, "forged")
        // The control: the same entry, sealed with the store's secret, is taken.
        kernel.cacheFiles["/home/t/.cache/nsspec/plan-1.bin"] = CacheStore.seal(kind: .plan, key: key, payload: [9, 9, 9], secret: store.secret)
        #expect(store.read("plan-1.bin", kind: .plan, key: key) == [9, 9, 9])
    }

    @Test func noKeyringOrNoHomeIsNoCache() throws {
        let kernel = FakeKernel()
        kernel.keyringSecret = nil
        kernel.extraEnvironment = ["HOME=/home/t"]
        kernel.privateDirectories = ["/home/t/.cache/nsspec"]
        guard case .failure(let off) = CacheStore.open(kernel) else { Issue.record("a cache without a secret"); return }
        #expect(off.reason == "no secret in the user keyring (keyctl: Permission denied)")
        let homeless = FakeKernel()
        guard case .failure(let none) = CacheStore.open(homeless) else { Issue.record("a cache without HOME"); return }
        #expect(none.reason == "neither XDG_CACHE_HOME nor HOME is set to an absolute path")
        homeless.extraEnvironment = ["HOME=/home/t"]
        guard case .failure(let shared) = CacheStore.open(homeless) else { Issue.record("a cache in a directory that is not private"); return }
        #expect(shared.reason == "no private cache directory at /home/t/.cache/nsspec (it must belong to the caller and be writable by no one else)")
        homeless.extraEnvironment = ["HOME=/home/t", "XDG_CACHE_HOME=/xdg"]
        #expect(CacheStore.directory(homeless) == "/xdg/nsspec")
    }

    @Test func clearRemovesEntriesAndNothingElse() throws {
        let kernel = FakeKernel()
        let store = try Self.store(kernel)
        store.write("plan-00ff.bin", kind: .plan, key: [1], payload: [1])
        store.write("seccomp-abc.bpf", kind: .seccomp, key: [1], payload: [1])
        for other in ["notes.txt", "plan-.bin", "plan-xyz.bin", "seccomp-1.bpf.tmp"] { kernel.cacheFiles["\(store.directory)/\(other)"] = [0] }
        let (entries, bytes) = try CacheStore.clear(store.directory, kernel)
        #expect(entries == 2 && bytes > 0)
        #expect(kernel.cacheFiles.keys.sorted() == ["notes.txt", "plan-.bin", "plan-xyz.bin", "seccomp-1.bpf.tmp"].map { "\(store.directory)/\($0)" })
        #expect(try CacheStore.clear("/nowhere", kernel) == (0, 0))
    }

    /// The executor takes its compiled filters from the store: compiled once, then read back.
    @Test func seccompProgramsAreCompiledOnce() throws {
        let kernel = FakeKernel()
        let store = try Self.store(kernel)
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.rootless.caller).plan()
        let policy = try #require(plan.steps.lazy.compactMap { step -> SeccompPolicy? in
            if case .compileSeccomp(let p) = step.action { return p }
            return nil
        }.first)
        let executor = Executor(plan: plan, system: kernel, cache: store)
        let first = try executor.seccompPrograms(policy)
        let second = try executor.seccompPrograms(policy)
        #expect(first == second && !first.isEmpty)
        #expect(kernel.trace.filter { if case .compileSeccomp = $0.call { true } else { false } }.count == first.count)
        let uncached = Executor(plan: plan, system: kernel)
        _ = try uncached.seccompPrograms(policy)
        #expect(kernel.trace.filter { if case .compileSeccomp = $0.call { true } else { false } }.count == 2 * first.count)
    }
}

extension CacheTests {
    /// The secret stays with nsspec: wiped before the sandbox's first process is made, so that
    /// PID 1 (nsspec's image for the sandbox's lifetime) holds none of it.
    @Test func theSecretIsForgottenBeforeTheSandboxIsMade() throws {
        let kernel = FakeKernel()
        let store = try Self.store(kernel)
        store.write("plan-1.bin", kind: .plan, key: [1], payload: [2])
        #expect(store.read("plan-1.bin", kind: .plan, key: [1]) == [2])
        let plan = Planner(spec: try loadSpec("hello"), caller: Who.rootless.caller).plan()
        kernel.uid = Who.rootless.caller.uid
        let code = kernel.runAsParent { Executor(plan: plan, system: kernel, cache: store).run() }
        #expect(code == 0)
        #expect(store.secret.allSatisfy { $0 == 0 } && store.key.wiped)
        #expect(store.read("plan-1.bin", kind: .plan, key: [1]) == nil, "a forgotten store reads nothing")
        let before = kernel.cacheFiles
        store.write("plan-2.bin", kind: .plan, key: [1], payload: [2])
        #expect(kernel.cacheFiles == before, "and writes nothing")
    }
}

extension PlanReader {
    /// A number that is the whole input.
    func u64WithEnd() -> UInt64? {
        var r = self
        guard let v = r.u64(), r.atEnd else { return nil }
        return v
    }
}
