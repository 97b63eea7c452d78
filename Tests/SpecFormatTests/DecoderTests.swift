import Diagnostics
import Testing
@testable import SpecFormat

@Suite struct DecoderTests {
    /// A spec with everything in it decodes to exactly what was written.
    @Test func decodesTheWholeModel() throws {
        let yaml = """
            version: 1
            name: ci-build
            namespaces: [user, mount, uts, ipc, pid, cgroup, time, {type: net, path: /run/netns/blue}]
            hostname: ci-build
            domainname: ci.internal
            uidMap:
              - {inside: 0, outside: self, count: 1}
              - {inside: 1, outside: subordinate, count: 65536}
            gidMap:
              - {inside: 0, outside: 100, count: 1}
            setgroups: deny
            root: {path: ./rootfs, readonly: true}
            readonlyRoot: true
            mounts:
              - {type: bind, source: /usr, target: /usr, readonly: true, optional: false, recursive: true, nosuid: true, nodev: true, noexec: false, propagation: rslave}
              - {type: tmpfs, target: /tmp, size: 64Mi, mode: "1777"}
              - {type: tmpfs, target: /run, size: "50%"}
              - {type: proc}
              - {type: sysfs, readonly: true}
              - {type: dev}
              - {type: devpts}
              - {type: mqueue}
              - {type: dir, target: /home/dev, mode: "0700"}
              - {type: file, target: /etc/hostname, content: "ci-build\\n", mode: "0644"}
              - {type: symlink, target: /bin, link: usr/bin}
            network:
              loopback: false
              veth:
                - name: eth0
                  address: [10.250.0.2/30, "fd00::2/64"]
                  gateway: 10.250.0.1
                  routes: [{to: 10.96.0.0/12, via: 10.250.0.1}, {to: "fd01::/64"}]
                  mtu: 1400
                  mac: "02:00:0a:fa:00:02"
                  host: {name: ci-build0, address: 10.250.0.1/30}
            process:
              args: [/bin/sh, -c, make test]
              cwd: /work
              env: {PATH: /usr/bin, DEBUG: 1}
              passEnv: [TERM]
              uid: 1000
              gid: 1000
              groups: [10, 20]
              capabilities: [CAP_NET_BIND_SERVICE]
              noNewPrivileges: false
              rlimits: {nofile: 1024, core: 0, stack: {soft: 8Mi, hard: unlimited}, cpu: unlimited}
              init: false
              dieWithParent: false
              seccomp: {profile: default, allow: [ptrace], deny: [keyctl, io_uring_setup]}
              nestedNamespaces: true
            """
        let loaded = load(yaml)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let spec = try #require(loaded.spec)
        #expect(spec.version?.value == 1)
        #expect(spec.name?.value == "ci-build")
        #expect(spec.namespaces.map(\.kind) == [.user, .mount, .uts, .ipc, .pid, .cgroup, .time, .net])
        #expect(spec.namespaces.last?.path?.value == "/run/netns/blue")
        #expect(spec.creates(.user) && !spec.creates(.net))
        #expect(spec.hostname?.value == "ci-build")
        #expect(spec.domainname?.value == "ci.internal")
        #expect(spec.uidMap?.value.map(\.outside.value) == [.caller, .subordinate])
        #expect(spec.uidMap?.value.map(\.count.value) == [1, 65536])
        #expect(spec.gidMap?.value.first?.outside.value == .id(100))
        #expect(spec.setgroups?.value == .deny)
        guard case .directory(let path, let ro, nil) = spec.root?.value else { Issue.record("root"); return }
        #expect(path.value == "./rootfs" && ro?.value == true)
        #expect(spec.readonlyRoot?.value == true)
        let mounts = try #require(spec.mounts?.value)
        #expect(mounts.map(\.type) == [.bind, .tmpfs, .tmpfs, .proc, .sysfs, .dev, .devpts, .mqueue, .dir, .file, .symlink])
        #expect(mounts.compactMap(\.effectiveTarget?.value) == [
            "/usr", "/tmp", "/run", "/proc", "/sys", "/dev", "/dev/pts", "/dev/mqueue", "/home/dev", "/etc/hostname", "/bin",
        ])
        #expect(mounts[0].propagation?.value == .rslave && mounts[0].nosuid?.value == true && mounts[0].noexec?.value == false)
        #expect(mounts[1].size?.value == .bytes(64 << 20) && mounts[1].mode?.value == 0o1777)
        #expect(mounts[2].size?.value == .percent(50))
        #expect(mounts[8].mode?.value == 0o700)
        #expect(mounts[9].content?.value == "ci-build\n")
        #expect(mounts[10].link?.value == "usr/bin")
        let net = try #require(spec.network)
        #expect(net.loopback?.value == false)
        let eth0 = try #require(net.veth.first)
        #expect(eth0.name?.value == "eth0")
        #expect(eth0.addresses.map(\.value.description) == ["10.250.0.2/30", "fd00::2/64"])
        #expect(eth0.gateway?.value == .v4(0x0AFA_0001))
        #expect(eth0.routes.map { $0.to?.value.description } == ["10.96.0.0/12", "fd01::/64"])
        #expect(eth0.routes[1].via == nil)
        #expect(eth0.mtu?.value == 1400)
        #expect(eth0.mac?.value.description == "02:00:0a:fa:00:02")
        #expect(eth0.host?.name?.value == "ci-build0")
        #expect(eth0.host?.addresses.map(\.value.description) == ["10.250.0.1/30"])
        let p = try #require(spec.process)
        #expect(p.args?.value.map(\.value) == ["/bin/sh", "-c", "make test"])
        #expect(p.cwd?.value == "/work")
        #expect(p.env.map { "\($0.name.value)=\($0.value.value)" } == ["PATH=/usr/bin", "DEBUG=1"])
        #expect(p.passEnv.map(\.value) == ["TERM"])
        #expect(p.uid?.value == 1000 && p.gid?.value == 1000)
        #expect(p.groups.map(\.value) == [10, 20])
        #expect(p.capabilities.map(\.value) == ["CAP_NET_BIND_SERVICE"])
        #expect(p.noNewPrivileges?.value == false && p.initProcess?.value == false && p.dieWithParent?.value == false)
        #expect(p.rlimits.map(\.name.value) == ["nofile", "core", "stack", "cpu"])
        #expect(p.rlimits[0].soft.value == .limit(1024) && p.rlimits[0].hard.value == .limit(1024))
        #expect(p.rlimits[2].soft.value == .limit(8 << 20) && p.rlimits[2].hard.value == .unlimited)
        #expect(p.rlimits[3].soft.value == .unlimited)
        #expect(p.seccomp?.profile?.value == .default)
        #expect(p.seccomp?.allow.map(\.value) == ["ptrace"])
        #expect(p.seccomp?.deny.map(\.value) == ["keyctl", "io_uring_setup"])
        #expect(p.nestedNamespaces?.value == true)
    }

    /// `seccomp` is a word or a mapping; every value keeps where it was written.
    @Test func decodesTheThreeSeccompForms() throws {
        let process = { (fragment: String) throws -> Process in
            let loaded = load("version: 1\nprocess:\n  args: [a]\n" + fragment + "\n")
            #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.map(\.message))")
            return try #require(loaded.spec?.process)
        }
        let word = try process("  seccomp: default")
        #expect(word.seccomp?.profile?.value == .default)
        #expect(word.seccomp?.profile?.location.line == 4 && word.seccomp?.profile?.location.column == 12)
        #expect(word.seccomp?.allow.isEmpty == true && word.seccomp?.deny.isEmpty == true)
        #expect(word.nestedNamespaces == nil)

        let unconfined = try process("  seccomp: unconfined\n  nestedNamespaces: false")
        #expect(unconfined.seccomp?.profile?.value == .unconfined)
        #expect(unconfined.nestedNamespaces?.value == false)
        #expect(unconfined.nestedNamespaces?.location.line == 5)

        let mapping = try process("""
              seccomp:
                allow: [ptrace, perf_event_open]
                deny: [io_uring_setup]
              nestedNamespaces: true
            """)
        let s = try #require(mapping.seccomp)
        #expect(s.profile == nil)  // no profile: the default one
        #expect(s.location.line == 5 && s.location.column == 5)
        #expect(s.allow.map(\.value) == ["ptrace", "perf_event_open"])
        #expect(s.allow.map(\.location.column) == [13, 21])
        #expect(s.deny.map(\.value) == ["io_uring_setup"])
        #expect(s.deny.first?.location.line == 6)
        #expect(mapping.nestedNamespaces?.value == true)

        let explicit = try process("  seccomp: {profile: unconfined, deny: [mount]}")
        #expect(explicit.seccomp?.profile?.value == .unconfined)
        #expect(explicit.seccomp?.deny.map(\.value) == ["mount"])

        #expect(try process("  seccomp: {}").seccomp.map { $0.profile == nil && $0.allow.isEmpty } == true)
        #expect(try process("").seccomp == nil)
    }

    /// `network.userMode`: a mapping keeps what was written (defaults are the model's), `true` is
    /// every default, `false` the same as no key.
    @Test func decodesUserMode() throws {
        let network = { (fragment: String) throws -> Network in
            let loaded = load("version: 1\nnetwork:\n" + fragment + "\n")
            #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.map(\.message))")
            return try #require(loaded.spec?.network)
        }
        let full = try network("""
              userMode:
                ports:
                  - {host: 8080, inside: 80}
                  - {host: 5353, inside: 53, protocol: udp, hostAddress: 127.0.0.1}
                  - {host: 9000, protocol: tcp, hostAddress: "::1"}
                outbound: false
                hostLoopback: true
                dns: false
            """)
        let u = try #require(full.userMode)
        #expect(full.userModeKey?.line == 3 && full.userModeKey?.column == 3)
        #expect(u.location.line == 4 && u.location.column == 5)
        #expect(u.ports.map { $0.host?.value } == [8080, 5353, 9000])
        #expect(u.ports.map { $0.inside?.value } == [80, 53, nil])
        #expect(u.ports.map(\.protocolValue) == [.tcp, .udp, .tcp])
        #expect(u.ports.map { $0.protocol?.value } == [nil, .udp, .tcp])
        #expect(u.ports.map { $0.hostAddress?.value.description } == [nil, "127.0.0.1", "::1"])
        #expect(u.ports[1].host?.location.line == 6 && u.ports[1].host?.location.column == 16)
        #expect(u.outbound?.value == false && u.hostLoopback?.value == true && u.dns?.value == false)
        #expect(!u.outboundValue && u.hostLoopbackValue && !u.dnsValue)

        let on = try #require(try network("  userMode: true").userMode)
        #expect(on.ports.isEmpty && on.outbound == nil && on.hostLoopback == nil && on.dns == nil)
        #expect(on.outboundValue && !on.hostLoopbackValue && on.dnsValue)
        #expect(on.location.line == 3 && on.location.column == 13)
        let empty = try #require(try network("  userMode: {}").userMode)
        #expect(empty.ports.isEmpty && empty.outboundValue && empty.dnsValue)
        // dns follows outbound unless given.
        #expect(try network("  userMode: {outbound: false}").userMode?.dnsValue == false)
        #expect(try network("  userMode: {outbound: false, dns: true}").userMode?.dnsValue == true)

        let off = try network("  userMode: false")
        #expect(off.userMode == nil)
        #expect(off.userModeKey?.line == 3)
        #expect(try network("  loopback: true").userMode == nil)
    }

    /// Each row: a spec fragment under `version: 1` and the exact diagnostics it must produce.
    @Test(arguments: [
        // unknown keys, with suggestions
        ("hostnme: x", [Found("unknown-key", 2, 1)], "unknown key 'hostnme' in the spec; did you mean 'hostname'?"),
        ("Hostname: x", [Found("unknown-key", 2, 1)], "unknown key 'Hostname' in the spec; did you mean 'hostname'?"),
        ("rootPropagation: x", [Found("unknown-key", 2, 1)], "unknown key 'rootPropagation' in the spec"),
        ("process: {arg: [a]}", [Found("unknown-key", 2, 11)], "unknown key 'arg' in process; did you mean 'args'?"),
        ("mounts: [{type: bind, source: /a, target: /a, size: 1Mi}]", [Found("unknown-key", 2, 47)],
         "'size' does not apply to a bind mount (only to tmpfs)"),
        ("mounts: [{type: tmpfs, target: /a, sorce: x}]", [Found("unknown-key", 2, 36)],
         "unknown key 'sorce' in a tmpfs mount"),
        // wrong types say what was expected and what was found
        ("hostname: [a]", [Found("wrong-type", 2, 11)], "'hostname' must be a string, found a list"),
        ("mounts: {type: bind}", [Found("wrong-type", 2, 9)], "'mounts' must be a list, found a mapping"),
        ("hostname: true", [Found("wrong-type", 2, 11)], "'hostname' must be a string, found the boolean 'true'"),
        ("hostname:", [Found("wrong-type", 2, 10)], "'hostname' must be a string, found an empty value"),
        ("readonlyRoot: \"true\"", [Found("wrong-type", 2, 15)],
         "'readonlyRoot' must be a boolean (true or false), found the quoted string \"true\""),
        ("process: {uid: \"1000\"}", [Found("wrong-type", 2, 16)],
         "'uid' must be an id from 0 to 4294967294, found the quoted string \"1000\""),
        ("process: {uid: abc}", [Found("wrong-type", 2, 16)],
         "'uid' must be an id from 0 to 4294967294, found the string 'abc'"),
        // YAML 1.1 booleans and odd spellings
        ("readonlyRoot: yes", [Found("ambiguous-boolean", 2, 15)], "'readonlyRoot' must be true or false, found 'yes'"),
        ("readonlyRoot: off", [Found("ambiguous-boolean", 2, 15)], "'readonlyRoot' must be true or false, found 'off'"),
        ("readonlyRoot: True", [Found("ambiguous-boolean", 2, 15)],
         "'readonlyRoot' must be true or false in lower case, found 'True'"),
        // numbers that readers disagree on are never converted
        ("process: {uid: 01}", [Found("ambiguous-number", 2, 16)],
         "'uid' must be a plain decimal integer; '01' is not: it has a leading zero, which YAML 1.1 reads as octal"),
        ("process: {uid: +1}", [Found("ambiguous-number", 2, 16)], "'uid' must be a plain decimal integer; '+1' is not: it has a sign"),
        ("process: {uid: 0x1}", [Found("ambiguous-number", 2, 16)],
         "'uid' must be a plain decimal integer; '0x1' is not: it is written in base 16"),
        ("process: {uid: 1.0}", [Found("ambiguous-number", 2, 16)], "'uid' must be an id from 0 to 4294967294, found the number '1.0'"),
        ("process: {uid: 1e3}", [Found("ambiguous-number", 2, 16)], "'uid' must be an id from 0 to 4294967294, found the number '1e3'"),
        ("process: {uid: -1}", [Found("out-of-range", 2, 16)], "'uid' must be an id from 0 to 4294967294, found -1"),
        ("process: {uid: 4294967295}", [Found("out-of-range", 2, 16)], "'uid' must be an id from 0 to 4294967294, found 4294967295"),
        ("process: {uid: 99999999999999999999999}", [Found("out-of-range", 2, 16)],
         "'uid' must be an id from 0 to 4294967294, found 99999999999999999999999"),
        // modes
        ("mounts: [{type: dir, target: /a, mode: 0755}]", [Found("ambiguous-mode", 2, 40)],
         "unquoted mode 0755 is ambiguous: YAML 1.1 reads it as octal, YAML 1.2 as decimal"),
        ("mounts: [{type: dir, target: /a, mode: 755}]", [Found("ambiguous-mode", 2, 40)],
         "unquoted mode 755 is ambiguous: YAML 1.1 reads it as octal, YAML 1.2 as decimal"),
        ("mounts: [{type: dir, target: /a, mode: \"0789\"}]", [Found("invalid-mode", 2, 40)],
         "'0789' is not a mode; write 3 or 4 octal digits like \"0755\""),
        ("mounts: [{type: dir, target: /a, mode: \"17777\"}]", [Found("invalid-mode", 2, 40)],
         "'17777' is not a mode; write 3 or 4 octal digits like \"0755\""),
        // sizes
        ("mounts: [{type: tmpfs, target: /a, size: 64MB}]", [Found("invalid-size", 2, 42)], "'64MB' is not a size"),
        ("mounts: [{type: tmpfs, target: /a, size: 0x10}]", [Found("ambiguous-number", 2, 42)],
         "'size' must be a plain decimal integer; '0x10' is not: it is written in base 16"),
        ("mounts: [{type: tmpfs, target: /a, size: \"101%\"}]", [Found("invalid-size", 2, 42)],
         "'101%' is not a percentage from 1% to 100%"),
        ("mounts: [{type: tmpfs, target: /a, size: 99999999999Ti}]", [Found("out-of-range", 2, 42)], "'99999999999Ti' is too large"),
        // missing required fields
        ("name: x", [Found("missing-field", 2, 1)], "the spec needs 'version'"),
        ("mounts: [{target: /a}]", [Found("missing-field", 2, 10)], "a mount needs 'type'"),
        ("mounts: [{type: bind, target: /a}]", [Found("missing-field", 2, 10)], "a bind mount needs 'source'"),
        ("mounts: [{type: symlink, target: /a}]", [Found("missing-field", 2, 10)], "a symlink mount needs 'link'"),
        ("uidMap: [{inside: 0, outside: 0}]", [Found("missing-field", 2, 10)], "a uidMap entry needs 'count'"),
        ("network: {veth: [{address: 10.0.0.1/24}]}", [Found("missing-field", 2, 18)], "a veth needs 'name'"),
        ("network: {veth: [{name: e, routes: [{via: 10.0.0.1}]}]}", [Found("missing-field", 2, 37)], "a route needs 'to'"),
        // enumerations
        ("namespaces: [usr]", [Found("unknown-value", 2, 14)], "'usr' is not a namespace type; did you mean 'user'?"),
        ("mounts: [{type: bnd, source: /a, target: /a}]", [Found("unknown-value", 2, 17)],
         "'bnd' is not a valid 'type'; did you mean 'bind'?"),
        ("setgroups: denied", [Found("unknown-value", 2, 12)], "'denied' is not a valid 'setgroups'; did you mean 'deny'?"),
        ("root: tmp", [Found("unknown-value", 2, 7)], "'tmp' is not a valid 'root'; did you mean 'tmpfs'?"),
        ("uidMap: [{inside: 0, outside: me, count: 1}]", [Found("unknown-value", 2, 31)], "'me' is not a valid 'outside'; did you mean 'self'?"),
        ("process: {rlimits: {nofiles: 1}}", [Found("unknown-rlimit", 2, 21)], "unknown rlimit 'nofiles'; did you mean 'nofile'?"),
        ("process: {rlimits: {nofile: 8Mi}}", [Found("wrong-type", 2, 29)],
         "'nofile' must be an integer or 'unlimited', found the string '8Mi'"),
        // values with their own syntax
        ("network: {veth: [{name: e, address: 10.0.0.1}]}", [Found("invalid-address", 2, 37)],
         "'10.0.0.1' has no prefix length; write it as address/prefix, e.g. 10.0.0.2/24"),
        ("network: {veth: [{name: e, address: 10.0.0.256/24}]}", [Found("invalid-address", 2, 37)],
         "'10.0.0.256' is not an IPv4 address ('256' is not a number from 0 to 255)"),
        ("network: {veth: [{name: e, address: 10.0.0.01/24}]}", [Found("invalid-address", 2, 37)],
         "'10.0.0.01' has a leading zero in '01', which some tools read as octal"),
        ("network: {veth: [{name: e, address: 10.0.0.1/33}]}", [Found("invalid-address", 2, 37)],
         "'10.0.0.1/33' has an invalid prefix length '33' (0 to 32)"),
        ("network: {veth: [{name: e, address: \"fe80::1:::2/64\"}]}", [Found("invalid-address", 2, 37)],
         "'fe80::1:::2' is not an IPv6 address"),
        ("network: {veth: [{name: e, gateway: 10.0.0.1/24}]}", [Found("invalid-address", 2, 37)],
         "'gateway' is a single address without a prefix length, found '10.0.0.1/24'"),
        ("network: {veth: [{name: e, mac: \"01:00:00:00:00:01\"}]}", [Found("invalid-mac", 2, 33)],
         "'01:00:00:00:00:01' is a multicast MAC address; an interface needs a unicast one (even first octet)"),
        ("network: {veth: [{name: e, mac: 12:00:00:00:00:01}]}", [Found("ambiguous-number", 2, 33)],
         "unquoted MAC address 12:00:00:00:00:01 is ambiguous: YAML 1.1 reads it as a base-60 number"),
        ("network: {veth: [{name: e, mac: \"+2:00:00:00:00:01\"}]}", [Found("invalid-mac", 2, 33)],
         "'+2:00:00:00:00:01' is not a MAC address (expected six hex pairs like 02:00:0a:fa:00:02)"),
        ("network: {veth: [{name: e, address: \"fd00::+1/64\"}]}", [Found("invalid-address", 2, 37)],
         "'fd00::+1' is not an IPv6 address"),
        ("mounts: [{type: tmpfs, target: /a, size: \"+50%\"}]", [Found("invalid-size", 2, 42)],
         "'+50%' is not a percentage from 1% to 100%"),
        ("mounts: [{type: tmpfs, target: /a, size: \"18446744073709551616\"}]", [Found("out-of-range", 2, 42)],
         "'18446744073709551616' is too large"),
        ("network: {veth: [{name: e, mtu: 67}]}", [Found("out-of-range", 2, 33)], "'mtu' must be an MTU from 68 to 65535, found 67"),
        // network.userMode
        ("network: {userMode: pasta}", [Found("wrong-type", 2, 21)],
         "'userMode' must be true, false or a mapping with 'ports', 'outbound', 'hostLoopback', 'dns', found the string 'pasta'"),
        ("network: {userMode: [8080]}", [Found("wrong-type", 2, 21)],
         "'userMode' must be true, false or a mapping with 'ports', 'outbound', 'hostLoopback', 'dns', found a list"),
        ("network: {userMode: yes}", [Found("ambiguous-boolean", 2, 21)], "'userMode' must be true or false, found 'yes'"),
        ("network: {userMode: \"true\"}", [Found("wrong-type", 2, 21)],
         "'userMode' must be a boolean (true or false), found the quoted string \"true\""),
        ("network: {pasta: true}", [Found("unknown-key", 2, 11)], "unknown key 'pasta' in network; did you mean 'userMode'?"),
        ("network: {slirp4netns: true}", [Found("unknown-key", 2, 11)], "unknown key 'slirp4netns' in network; did you mean 'userMode'?"),
        ("network: {usermode: true}", [Found("unknown-key", 2, 11)], "unknown key 'usermode' in network; did you mean 'userMode'?"),
        ("network: {userMode: {publish: [{host: 80}]}}", [Found("unknown-key", 2, 22)],
         "unknown key 'publish' in userMode; did you mean 'ports'?"),
        ("network: {userMode: {portForwards: []}}", [Found("unknown-key", 2, 22)],
         "unknown key 'portForwards' in userMode; did you mean 'ports'?"),
        ("network: {userMode: {forward: []}}", [Found("unknown-key", 2, 22)], "unknown key 'forward' in userMode; did you mean 'ports'?"),
        ("network: {userMode: {outbund: false}}", [Found("unknown-key", 2, 22)],
         "unknown key 'outbund' in userMode; did you mean 'outbound'?"),
        ("network: {userMode: {hostloopback: true}}", [Found("unknown-key", 2, 22)],
         "unknown key 'hostloopback' in userMode; did you mean 'hostLoopback'?"),
        ("network: {userMode: {ports: {host: 80}}}", [Found("wrong-type", 2, 29)], "'ports' must be a list, found a mapping"),
        ("network: {userMode: {ports: [{host: 0}]}}", [Found("out-of-range", 2, 37)],
         "'host' must be a port number from 1 to 65535, found 0"),
        ("network: {userMode: {ports: [{host: 65536}]}}", [Found("out-of-range", 2, 37)],
         "'host' must be a port number from 1 to 65535, found 65536"),
        ("network: {userMode: {ports: [{host: 80, inside: 70000}]}}", [Found("out-of-range", 2, 49)],
         "'inside' must be a port number from 1 to 65535, found 70000"),
        ("network: {userMode: {ports: [{host: -1}]}}", [Found("out-of-range", 2, 37)],
         "'host' must be a port number from 1 to 65535, found -1"),
        ("network: {userMode: {ports: [{host: 080}]}}", [Found("ambiguous-number", 2, 37)],
         "'host' must be a plain decimal integer; '080' is not: it has a leading zero, which YAML 1.1 reads as octal"),
        ("network: {userMode: {ports: [{host: http}]}}", [Found("wrong-type", 2, 37)],
         "'host' must be a port number from 1 to 65535, found the string 'http'"),
        ("network: {userMode: {ports: [{inside: 80}]}}", [Found("missing-field", 2, 30)], "a published port needs 'host'"),
        ("network: {userMode: {ports: [{hostPort: 80}]}}", [Found("unknown-key", 2, 31)],
         "unknown key 'hostPort' in a published port; did you mean 'host'?"),
        ("network: {userMode: {ports: [{host: 80, containerPort: 8080}]}}", [Found("unknown-key", 2, 41)],
         "unknown key 'containerPort' in a published port; did you mean 'inside'?"),
        ("network: {userMode: {ports: [{host: 80, protocol: sctp}]}}", [Found("unknown-value", 2, 51)],
         "'sctp' is not a valid 'protocol'"),
        ("network: {userMode: {ports: [{host: 80, protocol: TCP}]}}", [Found("unknown-value", 2, 51)],
         "'TCP' is not a valid 'protocol'; did you mean 'tcp'?"),
        ("network: {userMode: {ports: [{host: 80, proto: udp}]}}", [Found("unknown-key", 2, 41)],
         "unknown key 'proto' in a published port; did you mean 'protocol'?"),
        ("network: {userMode: {ports: [{host: 80, hostAddress: 10.0.0.0/8}]}}", [Found("invalid-address", 2, 54)],
         "'hostAddress' is a single address without a prefix length, found '10.0.0.0/8'"),
        ("network: {userMode: {ports: [{host: 80, hostAddress: 10.0.0.256}]}}", [Found("invalid-address", 2, 54)],
         "'10.0.0.256' is not an IPv4 address ('256' is not a number from 0 to 255)"),
        ("network: {userMode: {ports: [8080]}}", [Found("wrong-type", 2, 30)],
         "'ports[0]' must be a published port: a mapping with 'host' (and 'inside', 'protocol', 'hostAddress'), found the number '8080'"),
        ("network: {userMode: {outbound: 1}}", [Found("wrong-type", 2, 32)],
         "'outbound' must be a boolean (true or false), found the number '1'"),
        ("network: {userMode: {dns: on}}", [Found("ambiguous-boolean", 2, 27)], "'dns' must be true or false, found 'on'"),
        ("version: 2", [Found("unsupported-version", 2, 10)], "spec version 2 is not supported; this nsspec reads version 1"),
        // seccomp and nestedNamespaces
        ("process: {seccomp: defualt}", [Found("unknown-value", 2, 20)],
         "'defualt' is not a valid 'seccomp'; did you mean 'default'?"),
        ("process: {seccomp: Unconfined}", [Found("unknown-value", 2, 20)],
         "'Unconfined' is not a valid 'seccomp'; did you mean 'unconfined'?"),
        ("process: {seccomp: {profile: unconfied}}", [Found("unknown-value", 2, 30)],
         "'unconfied' is not a valid 'profile'; did you mean 'unconfined'?"),
        ("process: {seccomp: {alow: [ptrace]}}", [Found("unknown-key", 2, 21)],
         "unknown key 'alow' in seccomp; did you mean 'allow'?"),
        ("process: {seccomp: {profile: default, denied: [ptrace]}}", [Found("unknown-key", 2, 39)],
         "unknown key 'denied' in seccomp; did you mean 'deny'?"),
        ("process: {seccomp: [default]}", [Found("wrong-type", 2, 20)],
         "'seccomp' must be 'default', 'unconfined' or a mapping with 'profile', 'allow', 'deny', found a list"),
        ("process: {seccomp: true}", [Found("wrong-type", 2, 20)],
         "'seccomp' must be 'default', 'unconfined' or a mapping with 'profile', 'allow', 'deny', found the boolean 'true'"),
        ("process: {seccomp: {profile: [default]}}", [Found("wrong-type", 2, 30)],
         "'profile' must be one of 'default', 'unconfined', found a list"),
        ("process: {seccomp: {allow: ptrace}}", [Found("wrong-type", 2, 28)],
         "'allow' must be a list of system call names, found the string 'ptrace'"),
        ("process: {seccomp: {deny: {mount: 1}}}", [Found("wrong-type", 2, 27)], "'deny' must be a list, found a mapping"),
        ("process: {seccomp: {deny: [mount, [umount2]]}}", [Found("wrong-type", 2, 35)], "'deny[1]' must be a string, found a list"),
        ("process: {nestedNamespaces: yes}", [Found("ambiguous-boolean", 2, 29)],
         "'nestedNamespaces' must be true or false, found 'yes'"),
        ("process: {nestedNamespaces: \"true\"}", [Found("wrong-type", 2, 29)],
         "'nestedNamespaces' must be a boolean (true or false), found the quoted string \"true\""),
    ] as [(String, [Found], String)])
    func diagnoses(_ fragment: String, _ expected: [Found], _ message: String) {
        let yaml = fragment.hasPrefix("version:") || fragment.hasPrefix("name:") ? "\n" + fragment : "version: 1\n" + fragment
        let loaded = load(yaml + "\n")
        #expect(found(loaded.diagnostics) == expected, "\(loaded.diagnostics.map(\.message))")
        #expect(loaded.diagnostics.first?.message == message)
    }

    @Test func aSpecMustBeAMapping() {
        let loaded = load("- a\n- b\n")
        #expect(loaded.spec == nil)
        #expect(found(loaded.diagnostics) == [Found("wrong-type", 1, 1)])
    }

    @Test func aDuplicateKeyDoesNotHideOtherMistakes() {
        let loaded = load("version: 1\nhostname: a\nhostname: b\nreadonlyRoot: yes\n")
        #expect(found(loaded.diagnostics) == [Found("duplicate-key", 3, 1), Found("ambiguous-boolean", 4, 15)])
        #expect(loaded.spec?.hostname?.value == "a")
    }

    @Test func hintsSayHowToFix() {
        let hint = { (yaml: String) in load("version: 1\n" + yaml + "\n").diagnostics.first?.hint }
        #expect(hint("mounts: [{type: dir, target: /a, mode: 0755}]") == "quote it: \"0755\"")
        #expect(hint("mounts: [{type: dir, target: /a, mode: 755}]") == "quote it: \"0755\"")
        #expect(hint("process: {uid: 01}") == "write 1")
        #expect(hint("process: {uid: +1}") == "write 1")
        #expect(hint("process: {uid: 1.0}") == "write 1")
        #expect(hint("process: {uid: 0x10}") == "write it in decimal: 16")
        #expect(hint("process: {uid: \"5\"}") == "remove the quotes")
        #expect(hint("readonlyRoot: on") == "YAML 1.1 reads 'on' as true and YAML 1.2 as a string; write true")
        #expect(hint("mounts: [{type: tmpfs, target: /a, size: 64MB}]") == "did you mean 64M (×1000) or 64Mi (×1024)?")
        #expect(hint("process: {seccomp: {allow: ptrace}}") == "write [ptrace] for a list of one")
        #expect(hint("process: {seccomp: defualt}") == "expected 'default', 'unconfined', or {profile, allow, deny} to change the profile")
        #expect(hint("network:\n  userMode:\n  loopback: true")
            == "write userMode: true for every default, or indent its keys (ports, outbound, …) under it")
        #expect(hint("network: {userMode: {ports: [8080]}}") == "write {host: 8080} (inside is the same port unless given)")
        #expect(hint("network: {userMode: {ports: [8080:80]}}") == "write {host: 8080, inside: 80}")
        #expect(hint("network: {userMode: {ports: [\"8080:80/udp\"]}}") == "write {host: 8080, inside: 80, protocol: udp}")
        #expect(hint("network: {userMode: {ports: [\"127.0.0.1:8080:80\"]}}") == "write {host: 8080, inside: 80, hostAddress: 127.0.0.1}")
        #expect(hint("network: {userMode: {ports: [web]}}") == "write each port as {host: 8080, inside: 80}")
        #expect(hint("network: {userMode: {ports: [[8080, 80]]}}") == "write each port as {host: 8080, inside: 80}")
        #expect(hint("hostname: yes") == "YAML 1.1 reads 'yes' as a boolean and YAML 1.2 as a string; quote it if you mean the text")
    }
}

/// An id is read as exactly the number written, in the one accepted spelling, and every other
/// spelling is refused — never silently 0 (crun's CVE-2026-30892 read `-u 1` as uid 0).
@Suite struct IDPropertyTests {
    func decodeUID(_ text: String) -> (UInt32?, [String]) {
        let loaded = load("version: 1\nprocess: {args: [a], uid: \(text)}\n")
        return (loaded.spec?.process?.uid?.value, loaded.diagnostics.map(\.rule))
    }

    @Test func plainDecimalIdsRoundTrip() {
        var values: [UInt32] = [0, 1, 9, 10, 65534, 65535, 1 << 31 - 1, 1 << 31, 4_294_967_294]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {  // a fixed-seed xorshift, so failures reproduce
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            values.append(UInt32(truncatingIfNeeded: state) % 4_294_967_295)
        }
        for v in values {
            let (uid, rules) = decodeUID(String(v))
            #expect(uid == v && rules.isEmpty, "\(v): \(rules)")
        }
    }

    @Test func everyOtherSpellingIsRefused() {
        for v: UInt32 in [0, 1, 1000, 65534] {
            for spelling in ["0\(v)", "+\(v)", "\(v).0", "0x\(String(v, radix: 16))", "0o\(String(v, radix: 8))",
                             "\"\(v)\"", "'\(v)'", "\(v)e0", "-\(v)", "[\(v)]"] {
                let (uid, rules) = decodeUID(spelling)
                #expect(uid == nil && !rules.isEmpty, "\(spelling) was accepted as \(String(describing: uid))")
            }
        }
        for text in ["4294967295", "4294967296", "18446744073709551616", "", "~", "true", "yes", "one"] {
            let (uid, rules) = decodeUID(text)
            #expect(uid == nil && !rules.isEmpty, "\(text) was accepted as \(String(describing: uid))")
        }
    }
}
