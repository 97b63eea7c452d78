import Diagnostics
import Foundation
import SpecFormat
import Testing
@testable import Validation

struct Found: Equatable, CustomStringConvertible {
    var rule: String
    var line: Int
    var column: Int
    init(_ rule: String, _ line: Int, _ column: Int) { (self.rule, self.line, self.column) = (rule, line, column) }
    var description: String { "\(rule)@\(line):\(column)" }
}

/// Decodes `yaml` (which must decode cleanly) and runs the rules over it. Without `everyRule`,
/// host-uid0-writable-root is left out: most rows here run no user namespace over the host's
/// tree, which that rule warns about (HostRuleTests holds its cases).
func check(_ yaml: String, options: ValidationOptions = ValidationOptions(), everyRule: Bool = false) -> [Diagnostic] {
    let loaded = SpecLoader.load(Array(yaml.utf8), file: "t.yaml")
    #expect(loaded.diagnostics.isEmpty, "decoding: \(loaded.diagnostics.map(\.message))")
    guard let spec = loaded.spec else { return [] }
    return Validator.validate(spec, options: options).sortedByLocation().filter { everyRule || $0.rule != "host-uid0-writable-root" }
}

func found(_ d: [Diagnostic]) -> [Found] { d.map { Found($0.rule, $0.location.line, $0.location.column) } }

@Suite struct RuleTests {
    static let base = "version: 1\nprocess: {args: [/bin/true]}\n"

    /// Each row: spec lines (after `version` and `process`, so they start at line 3) and the
    /// exact diagnostics.
    @Test(arguments: [
        // namespaces
        ("namespaces: [user, uts, user]", [Found("namespace-duplicate", 3, 25)]),
        ("namespaces: [net, {type: net, path: /run/netns/x}]", [Found("namespace-duplicate", 3, 19)]),
        ("namespaces: [{type: net, path: run/netns/x}]", [Found("namespace-path", 3, 32)]),
        ("namespaces: [{type: net, path: /run//x}]", [Found("namespace-path", 3, 32)]),
        // cross-field requirements
        ("hostname: web", [Found("hostname-without-uts", 3, 1)]),
        ("domainname: example.org", [Found("domainname-without-uts", 3, 1)]),
        ("namespaces: [{type: uts, path: /proc/1/ns/uts}]\nhostname: web", []),
        ("uidMap: [{inside: 0, outside: 0, count: 1}]", [Found("idmap-without-user", 3, 1)]),
        ("namespaces: [{type: user, path: /proc/1/ns/user}]\ngidMap: [{inside: 0, outside: 0, count: 1}]",
         [Found("idmap-without-user", 4, 1)]),
        ("setgroups: deny", [Found("idmap-without-user", 3, 1)]),
        ("root: tmpfs", [Found("root-without-mount", 3, 1)]),
        ("root: host", []),
        ("readonlyRoot: true", [Found("root-without-mount", 3, 1)]),
        ("readonlyRoot: false", []),
        ("mounts: [{type: tmpfs, target: /tmp}]", [Found("mounts-without-mount", 3, 1)]),
        ("network: {loopback: true}", [Found("network-without-net", 3, 1)]),
        ("namespaces: [mount]\nmounts: [{type: proc}]", [Found("proc-without-pid", 4, 10)]),
        ("namespaces: [mount]\nmounts: [{type: mqueue}]", [Found("mqueue-without-ipc", 4, 10)]),
        ("namespaces: [user, mount, pid]\nmounts: [{type: sysfs}]", [Found("sysfs-without-net", 4, 10)]),
        ("namespaces: [user, mount, net]\nmounts: [{type: sysfs}]", []),
        ("namespaces: [mount]\nmounts: [{type: sysfs}]", []),
        // hostnames
        ("namespaces: [uts]\nhostname: web_1", [Found("hostname-invalid", 4, 11)]),
        ("namespaces: [uts]\nhostname: -web", [Found("hostname-invalid", 4, 11)]),
        ("namespaces: [uts]\nhostname: a..b", [Found("hostname-invalid", 4, 11)]),
        ("namespaces: [uts]\nhostname: \(String(repeating: "a", count: 63)).b", [Found("hostname-invalid", 4, 11)]),
        ("namespaces: [uts]\nhostname: \(String(repeating: "a", count: 63))", []),
        ("namespaces: [uts]\nhostname: \"héllo\"", [Found("hostname-invalid", 4, 11)]),
        ("namespaces: [uts]\ndomainname: ci.internal", []),
        ("namespaces: [uts]\ndomainname: \"ci/internal\"", [Found("domainname-invalid", 4, 13)]),
        // id maps
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: 1000, count: 10}, {inside: 9, outside: 2000, count: 1}]",
         [Found("idmap-overlap", 4, 58)]),
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: 1000, count: 10}, {inside: 10, outside: 1005, count: 1}]",
         [Found("idmap-overlap", 4, 71)]),
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: 1000, count: 10}, {inside: 10, outside: 1010, count: 1}]", []),
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: self, count: 1}, {inside: 1, outside: subordinate, count: 65536}]", []),
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: self, count: 2}]", [Found("idmap-self", 4, 44)]),
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: self, count: 1}, {inside: 1, outside: self, count: 1}]",
         [Found("idmap-self", 4, 69)]),
        ("namespaces: [user]\ngidMap: [{inside: 4294967290, outside: 0, count: 10}]", [Found("idmap-wrap", 4, 50)]),
        ("namespaces: [user]\ngidMap: [{inside: 0, outside: 4294967290, count: 6}]", [Found("idmap-wrap", 4, 50)]),
        ("namespaces: [user]\ngidMap: [{inside: 0, outside: 4294967290, count: 5}]", []),
        ("namespaces: [user]\nsetgroups: allow", [Found("setgroups-allow-unprivileged", 4, 12)]),
        ("namespaces: [user]\nsetgroups: allow\ngidMap: [{inside: 0, outside: self, count: 1}]",
         [Found("setgroups-allow-unprivileged", 4, 12)]),
        ("namespaces: [user]\nsetgroups: allow\ngidMap: [{inside: 0, outside: 0, count: 65536}]", []),
        // mounts
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: tmp}]", [Found("mount-target", 4, 32)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /tmp/}]", [Found("mount-target", 4, 32)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /a/../b}]", [Found("mount-target", 4, 32)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /a/./b}]", [Found("mount-target", 4, 32)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /}]", [Found("mount-target", 4, 32)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /proc/sys}]", [Found("mount-under-proc", 4, 32)]),
        ("namespaces: [mount]\nmounts: [{type: bind, source: /x, target: /proc}]", [Found("mount-under-proc", 4, 43)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /procfs}]", []),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /a}, {type: tmpfs, target: /a}]", [Found("mount-shadowed", 4, 59)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /a/b}, {type: tmpfs, target: /a}]", [Found("mount-shadowed", 4, 61)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /a}, {type: tmpfs, target: /a/b}]", []),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /ab}, {type: tmpfs, target: /a}]", []),
        ("namespaces: [mount]\nmounts: [{type: bind, source: \"\", target: /a}]", [Found("mount-fields", 4, 31)]),
        ("namespaces: [mount]\nroot: tmpfs\nmounts: [{type: symlink, target: /a, link: \"\"}]", [Found("mount-fields", 5, 44)]),
        ("namespaces: [mount]\nmounts: [{type: tmpfs, target: /a, size: 0}]", [Found("mount-fields", 4, 42)]),
        // network
        ("namespaces: [net]\nnetwork: {veth: [{name: eth0.very-longer}]}", [Found("interface-name", 4, 25)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: \"a b\"}]}", [Found("interface-name", 4, 25)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: \"a:b\"}]}", [Found("interface-name", 4, 25)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: \"..\"}]}", [Found("interface-name", 4, 25)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: lo}]}", [Found("interface-name", 4, 25)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: abcdefghijklmno}]}", []),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, host: {name: lo}}]}", [Found("interface-name", 4, 41)]),
        ("process: {args: [a], rlimits: {nofile: \"unlimited\", stack: 'unlimited'}}", []),
        ("namespaces: [net]\nnetwork: {veth: [{name: e}, {name: e}]}", [Found("interface-name", 4, 36)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, host: {name: h}}, {name: f, host: {name: h}}]}", [Found("interface-name", 4, 69)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.1}]}", []),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.5}]}",
         [Found("gateway-outside-subnet", 4, 59)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, gateway: 10.0.0.5}]}", [Found("gateway-outside-subnet", 4, 37)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: \"fd00::2/64\", gateway: 10.0.0.1}]}",
         [Found("gateway-outside-subnet", 4, 60)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, routes: [{to: 10.1.0.0/16, via: 10.9.0.1}]}]}",
         [Found("gateway-outside-subnet", 4, 82)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, routes: [{to: 10.1.0.1/16}]}]}", [Found("route-host-bits", 4, 42)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: \"fd00::2/64\", mtu: 1279}]}", [Found("mtu-ipv6", 4, 56)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/24, mtu: 576}]}", []),
        ("namespaces: [{type: net, path: /run/netns/x}]\nnetwork: {veth: [{name: e}]}", [Found("veth-joined-net", 4, 18)]),
        ("namespaces: [{type: net, path: /run/netns/x}]\nnetwork: {loopback: true}", []),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.3}]}", [Found("gateway-unusable", 4, 59)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.0}]}", [Found("gateway-unusable", 4, 59)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.2}]}", [Found("gateway-unusable", 4, 59)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/31, gateway: 10.0.0.3}]}", []),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: \"fd00::2/64\", gateway: \"fd00::\"}]}", []),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/24, routes: [{to: \"fd00::/8\", via: 10.0.0.1}]}]}",
         [Found("route-family", 4, 81)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/24, host: {name: h, address: 10.0.0.2/24}}]}",
         [Found("veth-address-clash", 4, 75)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, host: {name: h, address: 10.1.0.1/30}}]}",
         [Found("veth-no-shared-subnet", 4, 75)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/29, gateway: 10.0.0.3, host: {name: h, address: 10.0.0.1/29}}]}",
         [Found("gateway-not-host-end", 4, 59)]),
        ("namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/29, gateway: 10.0.0.1, host: {name: h, address: 10.0.0.1/29}}]}", []),
        // network.userMode (pasta)
        ("namespaces: [mount, net]\nnetwork: {userMode: true}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80}], outbound: true, hostLoopback: true, dns: true}}", []),
        ("namespaces: [user, mount, net]\nnetwork: {userMode: false, loopback: false}", []),
        ("namespaces: [user, mount]\nnetwork: {userMode: true}", [Found("network-without-net", 4, 1), Found("usermode-net", 4, 11)]),
        ("namespaces: [mount, {type: net, path: /run/netns/x}]\nnetwork: {userMode: true}", [Found("usermode-net", 4, 11)]),
        ("namespaces: [mount, net]\nnetwork: {loopback: false, userMode: true}", [Found("usermode-loopback", 4, 21)]),
        ("namespaces: [mount, net]\nnetwork: {loopback: true, userMode: true}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: true, veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.1}]}",
         [Found("usermode-veth-gateway", 4, 75)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: true, veth: [{name: e, address: 10.0.0.2/30, routes: [{to: 10.9.0.0/16}]}]}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: true, veth: [{name: eth0, address: 10.0.0.2/30}]}",
         [Found("usermode-interface", 4, 41)]),
        ("namespaces: [mount, net]\nnetwork: {veth: [{name: eth0, address: 10.0.0.2/30}]}", []),
        // outbound: false: pasta sets no route, the veth's gateway is the only default route
        ("namespaces: [mount, net]\nnetwork: {userMode: {outbound: false}, veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.1}]}", []),
        ("namespaces: [net]\nnetwork: {userMode: true}", [Found("usermode-dns-mount", 4, 11)]),
        ("namespaces: [net]\nnetwork: {userMode: {dns: true}}", [Found("usermode-dns-mount", 4, 27)]),
        ("namespaces: [net]\nnetwork: {userMode: {dns: false}}", []),
        ("namespaces: [net]\nnetwork: {userMode: {outbound: false}}", []),
        ("namespaces: [net, {type: mount, path: /proc/1/ns/mnt}]\nnetwork: {userMode: true}", [Found("usermode-dns-mount", 4, 11)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {outbound: false, dns: true}}", [Found("usermode-dns-outbound", 4, 44)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {outbound: false, dns: false}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {outbound: true, dns: true}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80}, {host: 80, inside: 81}]}}", [Found("port-duplicate", 4, 49)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80}, {host: 80, protocol: tcp}]}}", [Found("port-duplicate", 4, 49)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80}, {host: 80, protocol: udp}]}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80}, {host: 81, inside: 80}]}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80, hostAddress: 127.0.0.1}, {host: 80, hostAddress: \"::1\"}]}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80, hostAddress: 127.0.0.1}, {host: 80, hostAddress: 127.0.0.2}]}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80, hostAddress: 127.0.0.1}, {host: 80}]}}",
         [Found("port-duplicate", 4, 73)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80, hostAddress: 0.0.0.0}, {host: 80, hostAddress: 10.1.2.3}]}}",
         [Found("port-duplicate", 4, 71)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80, hostAddress: \"::\"}, {host: 80, hostAddress: 10.1.2.3}]}}", []),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80, hostAddress: \"::\"}, {host: 80, hostAddress: \"fd00::1\"}]}}",
         [Found("port-duplicate", 4, 68)]),
        ("namespaces: [mount, net]\nnetwork: {userMode: {ports: [{host: 80}, {host: 80}, {host: 80}]}}",
         [Found("port-duplicate", 4, 49), Found("port-duplicate", 4, 61)]),
        // process
        ("process: {args: [/bin/true], cwd: work}", [Found("cwd-path", 3, 35)]),
        ("process: {args: [/bin/true], env: {1X: a, A-B: b, OK_1: c}}", [Found("env-name", 3, 36), Found("env-name", 3, 43)]),
        ("process: {args: [/bin/true], env: {TERM: x}, passEnv: [TERM, \"bad name\"]}",
         [Found("env-name", 3, 56), Found("env-name", 3, 62)]),
        ("process: {args: [/bin/true], capabilities: [CAP_NET_ADMIN, net_raw, CAP_SYS_ADMN, CAP_NET_ADMIN]}",
         [Found("capability-unknown", 3, 60), Found("capability-unknown", 3, 69), Found("capability-unknown", 3, 83)]),
        ("process: {args: [/bin/true], rlimits: {nofile: {soft: 10, hard: 5}}}", [Found("rlimit-order", 3, 55)]),
        ("process: {args: [/bin/true], rlimits: {nofile: {soft: unlimited, hard: 5}}}", [Found("rlimit-order", 3, 55)]),
        ("process: {args: [/bin/true], rlimits: {core: {soft: 1Mi, hard: unlimited}}}", []),
        ("namespaces: [user]\nprocess: {args: [/bin/true], uid: 1000}", [Found("id-not-mapped", 4, 35)]),
        ("namespaces: [user]\nuidMap: [{inside: 0, outside: self, count: 1}, {inside: 1, outside: subordinate, count: 65536}]\n"
            + "gidMap: [{inside: 0, outside: self, count: 1}]\nprocess: {args: [/bin/true], uid: 1000, gid: 1000}",
         [Found("id-not-mapped", 6, 46)]),
        ("process: {args: [/bin/true], uid: 1000}", []),
        ("namespaces: [user]\nprocess: {args: [/bin/true], groups: [0]}", [Found("groups-need-setgroups", 4, 39)]),
        ("namespaces: [user]\nsetgroups: allow\ngidMap: [{inside: 0, outside: 0, count: 10}]\nprocess: {args: [/bin/true], groups: [5]}", []),
        ("process: {args: [/bin/true], init: true}", [Found("init-without-pid", 3, 36)]),
        ("namespaces: [pid]\nprocess: {args: [/bin/true], init: true}", []),
        // seccomp
        ("process: {args: [a], seccomp: default}", []),
        ("process: {args: [a], seccomp: unconfined}", []),
        ("process: {args: [a], seccomp: {profile: default, allow: [ptrace], deny: [io_uring_setup]}}", []),
        ("process: {args: [a], seccomp: {profile: unconfined, deny: [bpf]}}", []),
        ("process: {args: [a], seccomp: {allow: [ptrce]}}", [Found("unknown-syscall", 3, 40)]),
        ("process: {args: [a], seccomp: {deny: [SYS_keyctl]}}", [Found("unknown-syscall", 3, 39)]),
        ("process: {args: [a], seccomp: {allow: [ptrace], deny: [ptrace]}}", [Found("seccomp-allow-deny-overlap", 3, 56)]),
        ("process: {args: [a], seccomp: {deny: [bpf], allow: [bpf]}}", [Found("seccomp-allow-deny-overlap", 3, 53)]),
        ("process: {args: [a], seccomp: {allow: [bpf, bpf]}}", [Found("seccomp-duplicate-name", 3, 45)]),
        ("process: {args: [a], seccomp: {profile: unconfined, allow: [bpf]}}", [Found("seccomp-allow-unconfined", 3, 61)]),
        ("process: {args: [a], seccomp: unconfined, nestedNamespaces: true}", [Found("nested-namespaces-unconfined", 3, 61)]),
        ("process: {args: [a], seccomp: unconfined, nestedNamespaces: false}", []),
        ("process: {args: [a], seccomp: {profile: default}, nestedNamespaces: true}", []),
        ("process: {args: [a], nestedNamespaces: true}", []),
        // a name that is no system call is reported once per place, never also as a duplicate or an overlap
        ("process: {args: [a], seccomp: {allow: [ptrce, ptrce], deny: [ptrce]}}",
         [Found("unknown-syscall", 3, 40), Found("unknown-syscall", 3, 47), Found("unknown-syscall", 3, 62)]),
    ] as [(String, [Found])])
    func rule(_ lines: String, _ expected: [Found]) {
        let yaml: String
        if lines.hasPrefix("process:") || lines.contains("\nprocess:") {
            yaml = "version: 1\n# no process here\n" + lines + "\n"
        } else {
            yaml = Self.base + lines + "\n"
        }
        let d = check(yaml)
        #expect(found(d) == expected, "\(d.map(\.message))")
    }

    @Test func aFilesystemOnAFileOrSymlink() throws {
        let m = Self.base + "namespaces: [user, mount, pid]\nroot: tmpfs\nmounts:\n"
        let onFile = check(m + "  - {type: file, target: /a}\n  - {type: tmpfs, target: /a}\n")
        #expect(found(onFile) == [Found("mount-on-file", 7, 27)], "no mount-shadowed warning besides")
        let e = try #require(onFile.first)
        #expect(e.message == "a tmpfs mount on /a, where an earlier entry creates a file: "
            + "a filesystem is mounted only on a directory (the run would fail with ENOTDIR)")
        #expect(e.notes.map(\.message) == ["the file is created here"] && e.notes.first?.location.line == 6)
        let onLink = check(m + "  - {type: symlink, target: /a, link: b}\n  - {type: proc, target: /a}\n")
        #expect(found(onLink) == [Found("mount-on-file", 7, 26)])
        #expect(onLink.first?.message == "a proc mount on /a, where an earlier entry creates a symlink to 'b': "
            + "the mount would land where the link points, not on /a")
        // The default target counts; under a file fails too; under a symlink is followed.
        #expect(found(check(m + "  - {type: file, target: /proc}\n  - {type: proc}\n")).map(\.rule).contains("mount-on-file"))
        let under = check(m + "  - {type: file, target: /a}\n  - {type: tmpfs, target: /a/b/c}\n")
        #expect(found(under) == [Found("mount-on-file", 7, 27)])
        #expect(under.first?.message == "a tmpfs mount on /a/b/c, under /a, where an earlier entry creates a file: "
            + "a file has nothing under it (the run would fail with ENOTDIR)")
        #expect(check(m + "  - {type: symlink, target: /a, link: b}\n  - {type: tmpfs, target: /a/b}\n").isEmpty)
        // Before the file, or a bind (of a file, perhaps) on it: not this rule.
        #expect(check(m + "  - {type: tmpfs, target: /a}\n  - {type: file, target: /a/x}\n").isEmpty)
        #expect(!check(m + "  - {type: file, target: /a}\n  - {type: bind, source: /f, target: /a}\n").map(\.rule).contains("mount-on-file"))
    }

    @Test func argsMustBeSomewhere() {
        let missing = check("version: 1\n")
        #expect(found(missing) == [Found("args-missing", 1, 1)])
        #expect(check("version: 1\n", options: ValidationOptions(argsFromCommandLine: true)).isEmpty)
        #expect(found(check("version: 1\nprocess: {args: []}\n")) == [Found("args-missing", 2, 17)])
        #expect(found(check("version: 1\nprocess: {args: [\"\"]}\n")) == [Found("args-missing", 2, 18)])
        #expect(found(check("version: 1\nprocess: {cwd: /}\n")) == [Found("args-missing", 2, 1)])
    }

    @Test func warningsAreWarnings() {
        let d = check(Self.base + "namespaces: [mount]\nmounts: [{type: tmpfs, target: /a}, {type: tmpfs, target: /a}]\n")
        #expect(d.map(\.severity) == [.warning])
        #expect(d.first?.message == "this tmpfs mount on /a hides the earlier tmpfs on the same target")
    }

    @Test func messagesNameTheProblemAndTheFix() {
        let hostname = check(Self.base + "namespaces: [mount]\nhostname: web\n").first
        #expect(hostname?.message == "hostname requires the 'uts' namespace")
        #expect(hostname?.hint == "add 'uts' to namespaces")
        #expect(hostname?.notes.first?.location.line == 3)
        let overlap = check(Self.base + "namespaces: [user]\nuidMap: [{inside: 0, outside: 1000, count: 10}, {inside: 9, outside: 2000, count: 1}]\n").first
        #expect(overlap?.message == "uidMap inside range 9 overlaps the range 0-9 of an earlier entry")
        let cap = check("version: 1\nprocess: {args: [a], capabilities: [net_raw]}\n").first
        #expect(cap?.message == "unknown capability 'net_raw'; did you mean 'CAP_NET_RAW'?")
        let gw = check(Self.base + "namespaces: [net]\nnetwork: {veth: [{name: e, address: 10.0.0.2/30, gateway: 10.0.0.5}]}\n").first
        #expect(gw?.message == "10.0.0.5 is not in the interface's subnet 10.0.0.0/30")
        let route = check(Self.base + "namespaces: [net]\nnetwork: {veth: [{name: e, routes: [{to: 10.1.0.1/16}]}]}\n").first
        #expect(route?.hint == "did you mean 10.1.0.0/16?")
        let target = check(Self.base + "namespaces: [mount]\nmounts: [{type: tmpfs, target: /a/../b/}]\n").first
        #expect(target?.message == "mount target '/a/../b/' ends with '/'")
        #expect(target?.hint == "write /b")
    }

    @Test func userModeMessages() throws {
        let n = Self.base + "namespaces: [user, mount, net]\nnetwork:\n"
        let loopback = try #require(check(n + "  loopback: false\n  userMode: true\n").first)
        #expect(loopback.message == "loopback: false with userMode: published ports reach the sandbox over its loopback interface, "
            + "and pasta needs 'lo' up")
        #expect(loopback.notes.map(\.message) == ["userMode is set here"] && loopback.notes.first?.location.line == 6)
        #expect(loopback.hint == "remove loopback: false (userMode brings lo up), or leave userMode out")

        let gateway = try #require(check(n + "  userMode: {}\n  veth: [{name: veth0, address: 10.0.0.2/30, gateway: 10.0.0.1}]\n").first)
        #expect(gateway.message == "veth 'veth0' has a gateway, and userMode gives the sandbox its default route too: "
            + "the sandbox would have two default routes")
        #expect(gateway.notes.map(\.location.line) == [5])
        #expect(gateway.hint?.contains("outbound: false") == true)

        let joined = try #require(check(Self.base + "namespaces: [mount, {type: net, path: /run/netns/x}]\nnetwork: {userMode: true}\n").first)
        #expect(joined.rule == "usermode-net")
        #expect(joined.message == "userMode needs a new 'net' namespace, but this spec joins an existing one")
        #expect(joined.notes.map(\.message) == ["the 'net' namespace is joined here"] && joined.notes.first?.location.line == 3)
        let absent = try #require(check(Self.base + "namespaces: [mount]\nnetwork: {userMode: true}\n").last)
        #expect(absent.rule == "usermode-net" && absent.hint == "add 'net' to namespaces")

        let noMount = try #require(check(Self.base + "namespaces: [net]\nnetwork: {userMode: true}\n").first)
        #expect(noMount.message.hasPrefix("userMode's dns (on, as outbound is) requires a new 'mount' namespace"))
        #expect(noMount.hint == "add 'mount' to namespaces, or set dns: false in userMode (the sandbox keeps the resolv.conf it sees)")
        #expect(noMount.notes.map(\.message) == ["namespaces are declared here"])

        let dns = try #require(check(n + "  userMode:\n    outbound: false\n    dns: true\n").first)
        #expect(dns.message == "dns: true with outbound: false: nothing leaves the sandbox, so DNS queries cannot either")
        #expect(dns.location.line == 7 && dns.notes.map(\.message) == ["outbound is off here"] && dns.notes.first?.location.line == 6)
        #expect(dns.hint == "remove dns (it follows outbound), or set outbound: true")

        let twice = { (ports: String) in check(n + "  userMode: {ports: [\(ports)]}\n").first }
        let every = try #require(twice("{host: 8080, inside: 80}, {host: 8080, inside: 81}"))
        #expect(every.message == "host port 8080/tcp is published twice, on every address")
        #expect(every.notes.map(\.message) == ["first published here"] && every.notes.first?.location.column == 29)
        #expect(twice("{host: 53, protocol: udp, hostAddress: 127.0.0.1}, {host: 53, protocol: udp, hostAddress: 127.0.0.1}")?.message
            == "host port 53/udp is published twice, on 127.0.0.1")
        #expect(twice("{host: 53, hostAddress: 127.0.0.1}, {host: 53}")?.message
            == "host port 53/tcp is published twice, on 127.0.0.1 and on every address")
    }

    @Test func seccompMessages() throws {
        let p = "version: 1\nprocess:\n  args: [a]\n"
        let unknown = { (name: String) in check(p + "  seccomp: {deny: [\(name)]}\n").first?.message }
        #expect(unknown("ptrce") == "unknown system call 'ptrce'; did you mean 'ptrace'?")
        #expect(unknown("PTRACE") == "unknown system call 'PTRACE'; did you mean 'ptrace'?")
        #expect(unknown("SYS_keyctl") == "unknown system call 'SYS_keyctl'; did you mean 'keyctl'?")
        #expect(unknown("__NR_clone3") == "unknown system call '__NR_clone3'; did you mean 'clone3'?")
        #expect(unknown("frobnicate") == "unknown system call 'frobnicate'")
        #expect(check(p + "  seccomp: {deny: [ptrce]}\n").first?.hint
            == "names are written as in syscalls(2), without a prefix: ptrace, perf_event_open; "
            + "nsspec knows the calls of \(SyscallNames.source)")

        let overlap = try #require(check(p + "  seccomp:\n    allow: [ptrace]\n    deny: [mount, ptrace]\n").first)
        #expect(overlap.severity == .error)
        #expect(overlap.message == "'ptrace' is both allowed and denied")
        #expect(overlap.location.line == 6 && overlap.location.column == 19)
        #expect(overlap.notes.map(\.message) == ["allowed here"])
        #expect(overlap.notes.map(\.location.line) == [5])
        let denyFirst = try #require(check(p + "  seccomp:\n    deny: [ptrace]\n    allow: [ptrace]\n").first)
        #expect(denyFirst.location.line == 6 && denyFirst.notes.map(\.message) == ["denied here"])

        let twice = try #require(check(p + "  seccomp: {deny: [mount, mount, mount]}\n").first)
        #expect(twice.severity == .warning)
        #expect(twice.message == "'mount' is listed twice in deny")
        #expect(twice.notes.map(\.location.column) == [20])
        #expect(check(p + "  seccomp: {deny: [mount, mount, mount]}\n").count == 2)

        let allow = try #require(check(p + "  seccomp: {profile: unconfined, allow: [bpf]}\n").first)
        #expect(allow.severity == .warning)
        #expect(allow.message == "'allow' has no effect with profile unconfined: nothing is denied to allow back")
        #expect(allow.notes.map(\.message) == ["the profile is unconfined here"])

        let nested = try #require(check(p + "  seccomp: unconfined\n  nestedNamespaces: true\n").first)
        #expect(nested.severity == .warning)
        #expect(nested.message
            == "nestedNamespaces: true has no effect with seccomp unconfined: there is no filter to let namespace calls through")
        #expect(nested.notes.map(\.message) == ["seccomp is unconfined here"])
        #expect(nested.notes.first?.location.line == 4)
    }

    @Test func everyRuleHasAUniqueIdAndASummary() {
        let ids = Validator.rules.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(Validator.rules.allSatisfy { !$0.summary.isEmpty })
    }
}

@Suite struct DocumentationTests {
    /// Every rule id the code can emit is explained in docs/spec-v1.md, so a user who meets one in
    /// a CI log can look it up.
    @Test func everyDiagnosticIdIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/spec-v1.md"), encoding: .utf8)
        var ids = Set(Validator.rules.map(\.id))
        // Ids emitted by the reader, decoder and CLI, and by rules under a second id: collected from the sources.
        for folder in ["Sources/SpecFormat", "Sources/Validation", "Sources/nsspec"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            while let file = enumerator?.nextObject() as? String {
                guard file.hasSuffix(".swift") else { continue }
                let text = try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                for pattern in [#"\.(error|warning)\(\s*"([a-z0-9-]+)""#, #"rule: "([a-z0-9-]+)""#] {
                    let regex = try Regex(pattern)
                    for match in text.matches(of: regex) {
                        if let id = match.output.last?.substring { ids.insert(String(id)) }
                    }
                }
            }
        }
        #expect(ids.count > 50)
        let missing = ids.filter { !docs.contains("`\($0)`") }.sorted()
        #expect(missing == [], "rule ids not explained in docs/spec-v1.md")
    }
}

/// mount-shadowed over a table near the 4,096-item limit: each hidden mount found once, the
/// earliest one named (the rule once compared every pair: 1.8 s for 4,096 mounts).
@Test func shadowingInALargeTable() {
    var yaml = "version: 1\nnamespaces: [user, mount]\nroot: tmpfs\nmounts:\n"
    for i in 0..<4000 { yaml += "  - {type: dir, target: /d/x\(i)}\n" }
    yaml += "  - {type: tmpfs, target: /d}\n  - {type: tmpfs, target: /d/x17}\nprocess: {args: [/bin/true]}\n"
    let shadowed = check(yaml).filter { $0.rule == "mount-shadowed" }
    #expect(shadowed.count == 2)
    #expect(shadowed.first?.message == "this tmpfs mount on /d hides the earlier dir on /d/x0, which lies under it")
    #expect(shadowed.last?.message == "this tmpfs mount on /d/x17 hides the earlier dir on the same target")
}

/// idmap-too-long: the map's text, as the executor writes it, must stay under 4096 bytes (the
/// kernel's map_write refuses a write of PAGE_SIZE bytes or more).
@Suite struct IDMapTextTests {
    /// A uidMap of 171 entries whose text is exactly `bytes` long (4095 or 4096): 170 lines of
    /// 24 bytes and one of 15 or 16.
    static func uidMap(bytes: Int) -> String {
        precondition(bytes == 4095 || bytes == 4096)
        var yaml = "version: 1\nnamespaces: [user]\nprocess: {args: [a]}\nuidMap:\n"
        for i in 0..<170 { yaml += "  - {inside: \(1_000_000_000 + i), outside: \(2_000_000_000 + i), count: 1}\n" }
        yaml += "  - {inside: 10000, outside: \(bytes == 4095 ? 100_000 : 1_000_000), count: 1}\n"
        return yaml
    }

    @Test func theTextIsWhatTheKernelReads() {
        #expect(IDMapText.render([.init(inside: 0, outside: 1000, count: 1), .init(inside: 1, outside: 100000, count: 65536)])
            == "0 1000 1\n1 100000 65536\n")
        #expect(IDMapText.render([]) == "")
    }

    @Test func fewerThan4096BytesPass() {
        #expect(check(Self.uidMap(bytes: 4095)).isEmpty)
    }

    @Test func bytes4096AreAnErrorAtTheMap() throws {
        let d = check(Self.uidMap(bytes: 4096))
        #expect(found(d) == [Found("idmap-too-long", 4, 1)])
        let e = try #require(d.first)
        #expect(e.message == "uidMap is 4096 bytes as written to uid_map (171 lines); the kernel takes fewer than 4096 bytes in one write")
        #expect(e.hint?.contains("fewer entries") == true)
    }

    /// `self` and `subordinate` count as 10 digits each, and the message says so.
    @Test func idsKnownOnlyAtRunTimeCountTenDigits() throws {
        // 4095 bytes with the outside ids written as 10-digit ids: the same with self and subordinate.
        var same = Self.uidMap(bytes: 4095).replacingOccurrences(of: "outside: 2000000000,", with: "outside: self,")
        same = same.replacingOccurrences(of: "outside: 2000000001,", with: "outside: subordinate,")
        #expect(check(same).isEmpty)
        // One digit more anywhere is over, and the message names the ids it could not know.
        let over = same.replacingOccurrences(of: "outside: 100000,", with: "outside: 1000000,")
        let e = try #require(check(over).first)
        #expect(e.rule == "idmap-too-long")
        #expect(e.message == "uidMap can be 4096 bytes as written to uid_map (171 lines), counting 10 digits for each of the "
            + "2 ids given as 'self' or 'subordinate', which are known only at run time; "
            + "the kernel takes fewer than 4096 bytes in one write")
    }
}
