import Diagnostics
import Executor
import KernelModel
import Planning
import SpecFormat
import System
import Testing

/// `nsspec doctor` on the model of the kernel: which facts become which lines, the fixes of the
/// lacking ones, a spec's needs at their lines, and the exit status.
@Suite struct DoctorTests {
    /// A healthy host as the model describes it: the files doctor reads.
    static func healthy(_ kernel: FakeKernel, uid: UInt32 = 1000) {
        kernel.uid = uid
        kernel.files["/proc/self/status"] = "Name:\tnsspec\nSeccomp:\t0\nSeccomp_filters:\t0\n"
        kernel.files["/proc/filesystems"] = "nodev\ttmpfs\nnodev\toverlay\n\text4\n"
        kernel.files["/proc/self/mountinfo"] = "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
        kernel.files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "0\n"
        kernel.fileCaps = [:]
    }

    struct Outcome {
        var text: String
        var status: Int32
        var kernel: FakeKernel
        func line(_ prefix: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
        }
    }

    /// doctor as the CLI runs it: the host, then (with a spec) its needs and host checks.
    static func doctor(_ who: Who, spec: String? = nil, _ setUp: (FakeKernel) -> Void = { _ in }) throws -> Outcome {
        let kernel = FakeKernel()
        healthy(kernel, uid: who.caller.uid)
        setUp(kernel)
        let validated = try spec.map { try loadSpec(text: $0) }
        var text = ""
        var status: Int32 = 0
        _ = kernel.runAsParent {
            var doctor = Doctor(system: kernel, caller: who.caller)
            let sections = doctor.examine()
            var section: Doctor.Section?
            if let validated {
                let plan = Planner(spec: validated, caller: who.caller).plan()
                section = doctor.needs(of: plan, hostProblems: Executor(plan: plan, system: kernel).hostCheck())
            }
            text = doctor.render(sections, spec: section)
            status = doctor.exitStatus(spec: section)
            return status
        }
        return Outcome(text: text, status: status, kernel: kernel)
    }

    @Test func aHealthyHostRootless() throws {
        let r = try Self.doctor(.rootless)
        #expect(r.status == 0, "\(r.text)")
        #expect(r.text.hasPrefix("nsspec doctor: what this host allows and lacks for nsspec sandboxes, as tester (uid 1000)\n\nkernel\n"))
        #expect(r.line("  ok    kernel ") == "  ok    kernel 6.1.0-test (x86_64)")
        #expect(r.line("  ok    openat2: in this kernel") != nil && r.line("  ok    mount_setattr: in this kernel") != nil)
        #expect(r.line("  ok    namespaces: ") == "  ok    namespaces: user mount uts ipc pid net cgroup time (/proc/self/ns)")
        #expect(r.line("  ok    overlayfs: in /proc/filesystems; a user namespace may mount it from kernel 5.11 on (inferred from the version, not tried)") != nil)
        #expect(r.line("  ok    cgroup v2 (unified) at /sys/fs/cgroup") != nil)
        #expect(r.line("  ok    seccomp filters: available") != nil)
        #expect(r.line("  ok    tester (uid 1000) can make a user namespace now") != nil, "\(r.text)")
        #expect(r.line("  ok    /etc/subuid gives tester (uid 1000) 100000-165535 (65536 uids)") != nil, "\(r.text)")
        #expect(r.line("  ok    newuidmap: /usr/bin/newuidmap, setuid root") != nil)
        #expect(r.line("  no    veth pairs (network.veth): tester (uid 1000) has no CAP_NET_ADMIN") != nil)
        #expect(r.text.hasSuffix("\nresult: tester (uid 1000) can run sandboxes here (user namespaces work); 1 thing lacking, for some specs only (the `no` lines above)\n"),
                "\(r.text)")
    }

    /// The probe runs in a child the model calls "probe": the doctor's own process makes no
    /// namespace, writes no map and mounts nothing; the child maps its own ids and mounts a tmpfs
    /// in its own mount namespace, after making it private.
    @Test func theProbeIsAChild() throws {
        let r = try Self.doctor(.rootless)
        let parent = r.kernel.trace.filter { $0.process == "parent" }
        #expect(!parent.contains { switch $0.call { case .unshare, .setns, .mount, .writeFile: true; default: false } })
        #expect(parent.contains { $0.call == .clone([.newUser, .newNS], name: "probe") })
        let probe = r.kernel.trace.filter { $0.process == "probe" }.map(\.call)
        #expect(probe.contains(.writeFile("/proc/self/uid_map", "0 1000 1\n")))
        #expect(probe.contains(.mount(source: nil, target: "/", type: nil, flags: [.recursive, .private], data: nil)))
        #expect(r.kernel.leftBehind.isEmpty && r.kernel.unreaped.isEmpty)
    }

    /// Ubuntu's AppArmor restriction: the probe fails, the line names the sysctl and both fixes,
    /// and a rootless caller cannot run sandboxes (exit 1); root still can (exit 0).
    @Test func appArmorRestriction() throws {
        let restrict: (FakeKernel) -> Void = { $0.files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1\n" }
        let r = try Self.doctor(.rootless, restrict)
        #expect(r.status == 1, "\(r.text)")
        #expect(r.line("  no    kernel.apparmor_restrict_unprivileged_userns = 1: AppArmor denies") != nil, "\(r.text)")
        #expect(r.line("  no    tester (uid 1000) cannot make a user namespace now: AppArmor restricts unprivileged user namespaces") != nil,
                "\(r.text)")
        #expect(r.text.contains("        fix: as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give nsspec an AppArmor profile with `userns,`\n"))
        #expect(r.text.hasSuffix("\nresult: tester (uid 1000) cannot run sandboxes here: no user namespace can be made (see \"user namespaces\"); as root nsspec can\n"))
        let root = try Self.doctor(.root, restrict)
        #expect(root.status == 0, "\(root.text)")
        #expect(root.line("  info  kernel.apparmor_restrict_unprivileged_userns = 1") != nil)
    }

    @Test func disabledUserNamespaces() throws {
        let r = try Self.doctor(.rootless) { $0.files["/proc/sys/user/max_user_namespaces"] = "0\n" }
        #expect(r.status == 1)
        #expect(r.line("  no    user.max_user_namespaces = 0: user namespaces are disabled, for root too") != nil, "\(r.text)")
        #expect(r.text.contains("        fix: as root: sysctl -w user.max_user_namespaces=15000"))
    }

    /// A kernel without openat2 nor time namespaces, a caller without a subordinate range: the
    /// host lines say so, and a spec that needs them is refused at the lines that ask.
    @Test func aSpecNeedsWhatTheHostLacks() throws {
        let spec = """
            version: 1
            namespaces: [user, mount, pid, time]
            uidMap:
              - {inside: 0, outside: self, count: 1}
              - {inside: 1, outside: subordinate, count: 1000}
            root: tmpfs
            mounts:
              - {type: bind, source: /usr, target: /usr, readonly: true}
              - {type: proc}
            process:
              args: [/bin/true]

            """
        let lacking: (FakeKernel) -> Void = {
            $0.probes[.openat2] = .ENOSYS
            $0.missing.insert("/proc/self/ns/time")
            $0.files["/etc/subuid"] = "someone:100000:65536\n"
        }
        let host = try Self.doctor(.rootless, lacking)
        #expect(host.status == 0, "the basics hold: \(host.text)")
        #expect(host.line("  no    openat2: not in this kernel (ENOSYS); a spec with a mount table needs it") != nil, "\(host.text)")
        #expect(host.line("  no    time namespaces: not in this kernel (no /proc/self/ns/time)") != nil)
        #expect(host.line("  no    /etc/subuid: no range for tester (uid 1000)") != nil)

        let r = try Self.doctor(.rootless, spec: spec, lacking)
        #expect(r.status == 1, "\(r.text)")
        let specPart = String(r.text[r.text.range(of: "\nspec t.yaml, for tester (uid 1000)\n")!.upperBound...])
        #expect(specPart.contains("  no    t.yaml:2:32: the spec creates a time namespace; this kernel has none (no /proc/self/ns/time)\n"
                                  + "        fix: a kernel 5.6 or later built with CONFIG_TIME_NS\n"), "\(specPart)")
        #expect(specPart.contains("  no    t.yaml:6:7: the mount table needs openat2, which this kernel lacks\n        fix: a kernel 5.6 or later\n"),
                "\(specPart)")
        #expect(specPart.contains("  ok    the mount table's system calls (mount_setattr): in this kernel\n"))
        #expect(specPart.contains("  no    t.yaml:4:3: /etc/subuid gives tester (uid 1000) 0 subordinate uids; the map needs 1000 [host-subordinate-range]\n"
                                  + "        fix: as root: usermod --add-subuids 196608-197607 tester\n"), "\(specPart)")
        #expect(specPart.hasSuffix("\nresult: t.yaml cannot run here, as tester (uid 1000): 3 problems (the `no` lines under \"spec\")\n"))
    }

    /// What only doctor knows of a map helper: installed but able to do nothing (no setuid bit,
    /// no capabilities) — preflight would let it run and fail.
    @Test func aHelperWithoutPrivilege() throws {
        let spec = "version: 1\nnamespaces: [user]\nuidMap: [{inside: 0, outside: subordinate, count: 10}]\nprocess: {args: [/bin/true]}\n"
        let broken: (FakeKernel) -> Void = { $0.statuses["/usr/bin/newuidmap"] = FileStatus(mode: 0o100755, owner: 0) }
        let r = try Self.doctor(.rootless, spec: spec, broken)
        #expect(r.status == 1, "\(r.text)")
        #expect(r.line("  no    newuidmap: /usr/bin/newuidmap is neither setuid root nor given capabilities") != nil, "\(r.text)")
        #expect(r.line("  no    t.yaml:3:9: the uid map is written by /usr/bin/newuidmap, which is neither setuid root") != nil, "\(r.text)")
        // File capabilities do as well as the setuid bit.
        let caps = try Self.doctor(.rootless, spec: spec) {
            broken($0)
            $0.fileCaps["/usr/bin/newuidmap"] = "cap_setuid=ep"
        }
        #expect(caps.status == 0, "\(caps.text)")
        #expect(caps.line("  ok    newuidmap: /usr/bin/newuidmap, file capabilities cap_setuid=ep") != nil)
    }

    /// Namespaces without a user namespace need root; a veth needs CAP_NET_ADMIN (preflight's
    /// own check, through hostCheck).
    @Test func privilegeTheSpecNeeds() throws {
        let spec = "version: 1\nnamespaces: [uts, net]\nhostname: x\nnetwork: {veth: [{name: eth0}]}\nprocess: {args: [/bin/true]}\n"
        let rootless = try Self.doctor(.rootless, spec: spec)
        #expect(rootless.status == 1)
        #expect(rootless.line("  no    t.yaml:2:1: the spec creates namespaces (net, uts) without a user namespace: that needs root (CAP_SYS_ADMIN)") != nil,
                "\(rootless.text)")
        #expect(rootless.line("  no    t.yaml:4:18: a veth needs CAP_NET_ADMIN in the host's network namespace") != nil, "\(rootless.text)")
        let root = try Self.doctor(.root, spec: spec)
        #expect(root.status == 0, "\(root.text)")
        #expect(root.text.hasSuffix("\nresult: t.yaml can run here, as root (uid 0)\n"))
    }

    @Test func noSeccompInTheKernel() throws {
        let r = try Self.doctor(.rootless, spec: "version: 1\nnamespaces: [user]\nprocess: {args: [/bin/true]}\n") {
            $0.files["/proc/self/status"] = "Name:\tnsspec\n"
        }
        #expect(r.status == 1)
        #expect(r.line("  no    seccomp: not in this kernel") != nil)
        #expect(r.text.contains("the spec's process gets a seccomp filter, and this kernel has no seccomp\n        fix: `seccomp: {profile: unconfined}`"),
                "\(r.text)")
    }
}
