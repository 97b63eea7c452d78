import Executor
import KernelModel
import Planning
import System
import Testing

/// The failures a newcomer meets whose errno alone says nothing: each is reported with its cause
/// named (issue 15, item 8).
@Suite struct MissingInterpreterTests {
    /// A 64-bit little-endian ELF executable whose PT_INTERP (after a PT_PHDR) names `interpreter`.
    static func elf(interpreter: String?) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 64)
        b[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        b[4] = 2  // ELFCLASS64
        b[5] = 1  // little endian
        b[6] = 1
        func put(_ value: Int, at: Int, _ size: Int) {
            for i in 0..<size { b[at + i] = UInt8((value >> (8 * i)) & 0xFF) }
        }
        put(2, at: 0x10, 2)  // ET_EXEC
        put(0x3E, at: 0x12, 2)  // x86-64
        put(64, at: 0x20, 8)  // e_phoff
        put(56, at: 0x36, 2)  // e_phentsize
        put(2, at: 0x38, 2)  // e_phnum
        b += [UInt8](repeating: 0, count: 112)
        put(6, at: 64, 4)  // PT_PHDR
        put(interpreter == nil ? 1 : 3, at: 120, 4)  // PT_INTERP (or PT_LOAD: a static binary)
        let name = Array((interpreter ?? "").utf8) + [0]
        put(176, at: 120 + 8, 8)  // p_offset
        put(name.count, at: 120 + 0x20, 8)  // p_filesz
        return b + name
    }

    static let loader = "/lib64/ld-linux-x86-64.so.2"

    static func spawnFails(_ path: String) -> FakeKernel.Injection {
        .nth(1, .ENOENT, where: { if case .spawn(let p, _, _) = $0 { p == path } else { false } })
    }

    /// hello runs /bin/sh through PID 1's posix_spawn: the loader it names is missing.
    @Test func aDynamicBinaryWithoutItsLoader() throws {
        let run = try simulate("hello", .rootless, failing: Self.spawnFails("/bin/sh")) {
            $0.binaries["/bin/sh"] = Self.elf(interpreter: Self.loader)
            $0.missing = [Self.loader]
        }
        #expect(run.code == 127)
        #expect(run.kernel.logged == """
            specs/hello.yaml:27:9: error: process: /bin/sh exists but its ELF interpreter (dynamic loader) \(Self.loader) is not in the sandbox: No such file or directory (ENOENT)
            hint: a dynamically linked program needs its loader and libraries inside the sandbox: bind /lib, /lib64 and /usr/lib read-only (or symlinks to them, as Debian's /lib -> usr/lib), or run a statically linked program

            """, "\(run.kernel.logged)")
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }

    /// Without a pid namespace the sandbox's process execs the command itself: the same words.
    @Test func theSameThroughExecve() throws {
        let run = try simulate("nopid-root", .rootless, failing: .nth(1, .ENOENT, where: { if case .execve = $0 { true } else { false } })) {
            $0.sealedCopy = true
            $0.binaries["/usr/bin/true"] = Self.elf(interpreter: Self.loader)
            $0.missing = [Self.loader]
        }
        #expect(run.code == 127)
        #expect(run.kernel.logged.contains(
            "error: process: /usr/bin/true exists but its ELF interpreter (dynamic loader) \(Self.loader) is not in the sandbox: No such file or directory (ENOENT)"),
            "\(run.kernel.logged)")
    }

    /// A script whose interpreter exists but is itself a dynamic binary without its loader.
    @Test func aScriptWhoseInterpreterLacksItsLoader() throws {
        let run = try simulate("hello", .rootless, failing: Self.spawnFails("/bin/sh")) {
            $0.binaries["/bin/sh"] = Array("#!  /usr/bin/python3 -u\nprint(1)\n".utf8)
            $0.binaries["/usr/bin/python3"] = Self.elf(interpreter: "/lib/ld-linux-aarch64.so.1")
            $0.missing = ["/lib/ld-linux-aarch64.so.1"]
        }
        #expect(run.code == 127)
        #expect(run.kernel.logged.contains(
            "error: process: /bin/sh exists but its interpreter is /usr/bin/python3, whose ELF interpreter (dynamic loader) /lib/ld-linux-aarch64.so.1 is not in the sandbox"),
            "\(run.kernel.logged)")
    }

    /// `#!/bin/sh` where there is no /bin/sh.
    @Test func aScriptWhoseInterpreterIsMissing() throws {
        let run = try simulate("hello", .rootless, failing: Self.spawnFails("/bin/sh")) {
            $0.binaries["/bin/sh"] = Array("#!/bin/dash\necho hi\n".utf8)
            $0.missing = ["/bin/dash"]
        }
        #expect(run.code == 127)
        #expect(run.kernel.logged.contains("error: process: /bin/sh exists but its #! interpreter /bin/dash is not in the sandbox: No such file or directory (ENOENT)\n"
                                           + "hint: a script runs through the program its first line names"), "\(run.kernel.logged)")
    }

    /// Every interpreter there (or none: a static binary): the ENOENT is said as before, and the
    /// file is read only after the failure.
    @Test(arguments: [Self.loader, nil])
    func noInterpreterMissing(_ interpreter: String?) throws {
        let run = try simulate("hello", .rootless, failing: Self.spawnFails("/bin/sh")) {
            $0.binaries["/bin/sh"] = Self.elf(interpreter: interpreter)
        }
        #expect(run.code == 127)
        #expect(run.kernel.logged.contains("error: process: posix_spawn /bin/sh: No such file or directory (ENOENT)\n"
                                           + "hint: the path must exist inside the sandbox"), "\(run.kernel.logged)")
    }

    /// The happy path reads no file of the command.
    @Test func aSuccessfulRunReadsNothing() throws {
        let run = try simulate("hello", .rootless) { $0.binaries["/bin/sh"] = Self.elf(interpreter: Self.loader) }
        #expect(run.code == 0)
        #expect(!run.trace.contains { $0.call == .read("/bin/sh") })
    }
}

/// EROFS while making what a table entry needs: the entry, the read-only mount above it (its
/// spec line as a note) and the fixes.
@Suite struct ReadOnlyParentTests {
    static func run(_ spec: String, missing: Set<String>, failing name: String) throws -> Simulation {
        simulate(Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan(), uid: 1000) {
            $0.missing = missing
            $0.inject(.nth(1, .EROFS, where: { if case .mkdirAt(_, let n, _) = $0 { n == name } else { false } }))
        }
    }

    @Test func aMountPointUnderAReadOnlyBind() throws {
        let run = try Self.run("""
            version: 1
            namespaces: [user, mount]
            root: tmpfs
            mounts:
              - {type: bind, source: /srv/data, target: /data, readonly: true}
              - {type: tmpfs, target: /data/cache}
            process: {args: [/bin/true]}
            """, missing: ["/data/cache"], failing: "cache")
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            t.yaml:6:5: error: mounts: tmpfs at /data/cache (nosuid,nodev): its mount point /data/cache is missing and cannot be made: /data is the read-only bind of /srv/data: Read-only file system (EROFS)
            t.yaml:5:5: note: /data is mounted read-only here
            hint: nsspec makes what an entry needs inside the sandbox when it is missing (mount points, and the directories on their way), and cannot make it on a read-only mount. Create it in the bind's source (mkdir -p /srv/data/cache), or mount a tmpfs at /data and bind into it what the sandbox needs there

            """, "\(run.kernel.logged)")
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }

    /// The mount on top is the one that counts: a later bind on a parent hides an earlier one
    /// below it; the spec's own symlinks are followed.
    @Test func theMountOnTopThroughASymlink() throws {
        let run = try Self.run("""
            version: 1
            namespaces: [user, mount]
            root: tmpfs
            mounts:
              - {type: tmpfs, target: /usr/lib64}
              - {type: bind, source: /usr, target: /usr, readonly: true}
              - {type: symlink, target: /lib64, link: usr/lib64}
              - {type: bind, source: /opt/x, target: /lib64/x}
            process: {args: [/bin/true]}
            """, missing: ["/lib64/x"], failing: "x")
        #expect(run.kernel.logged.hasPrefix("""
            t.yaml:8:5: error: mounts: bind /opt/x -> /lib64/x (rbind): its mount point /lib64/x is missing and cannot be made (/lib64/x leads there through a symlink of the spec): /usr is the read-only bind of /usr: Read-only file system (EROFS)
            t.yaml:6:5: note: /usr is mounted read-only here
            hint: nsspec makes what an entry needs inside the sandbox when it is missing (mount points, and the directories on their way), and cannot make it on a read-only mount. Create it in the bind's source (mkdir -p /usr/lib64/x)
            """), "\(run.kernel.logged)")
    }

    @Test func aReadOnlyDirectoryRoot() throws {
        let run = try Self.run("""
            version: 1
            namespaces: [user, mount]
            root: {path: /srv/rootfs, readonly: true}
            mounts:
              - {type: tmpfs, target: /tmp}
            process: {args: [/bin/true]}
            """, missing: ["/tmp"], failing: "tmp")
        // A directory root is the host's: nsspec makes no mount point in it, read-only or not
        // (issue 16), and says so before the kernel could say EROFS.
        #expect(run.kernel.logged.hasPrefix("""
            t.yaml:5:5: error: mounts: /tmp does not exist in the root directory /srv/rootfs, and nsspec creates nothing in the host's copy of a root: No such file or directory (ENOENT)
            hint: use root: {path: /srv/rootfs, overlay: tmpfs}: mount points and entries are then made in the overlay's upper layer, never in /srv/rootfs; or create /srv/rootfs/tmp on the host, or mount a tmpfs above it in the spec
            """), "\(run.kernel.logged)")
    }

    @Test func aDirectoryInAReadOnlyTmpfs() throws {
        let run = try Self.run("""
            version: 1
            namespaces: [user, mount]
            root: tmpfs
            mounts:
              - {type: tmpfs, target: /ro, readonly: true}
              - {type: dir, target: /ro/d}
            process: {args: [/bin/true]}
            """, missing: ["/ro/d"], failing: "d")
        #expect(run.kernel.logged.hasPrefix("""
            t.yaml:6:5: error: mounts: mkdir /ro/d: the directory /ro/d cannot be made: /ro is a read-only tmpfs: Read-only file system (EROFS)
            t.yaml:5:5: note: /ro is mounted read-only here
            """), "\(run.kernel.logged)")
    }
}

/// setns refused: which user namespace owns the joined one (NS_GET_USERNS), and what to do.
@Suite struct JoinRefusedTests {
    static func run(_ namespaces: String, _ who: Who, owner: (UInt64, UInt32)?) throws -> Simulation {
        let spec = """
            version: 1
            namespaces: \(namespaces)
            process: {args: [/bin/true]}
            """
        return simulate(Planner(spec: try loadSpec(text: spec), caller: who.caller).plan(), uid: who.caller.uid) {
            if let owner { $0.namespaceOwners["/run/netns/blue"] = owner }
            $0.inject(.nth(1, .EPERM, where: { if case .setns(_, let flags) = $0 { flags == .newNet } else { false } }))
        }
    }

    @Test func aNamespaceOfTheHostsRootless() throws {
        let run = try Self.run("[{type: net, path: /run/netns/blue}]", .rootless, owner: (FakeKernel.initialUserNamespace, 0))
        #expect(run.code == 125)
        #expect(run.kernel.logged == """
            t.yaml:2:32: error: namespaces: setns(/run/netns/blue, CLONE_NEWNET): /run/netns/blue is owned by the initial user namespace (the host's own), over which uid 1000 has no CAP_SYS_ADMIN; a namespace is joined only with CAP_SYS_ADMIN over the user namespace that owns it: Operation not permitted (EPERM)
            hint: only root joins a namespace of the initial user namespace (`ip netns add` makes them so): run nsspec as root

            """, "\(run.kernel.logged)")
        #expect(run.kernel.leftBehind.isEmpty && run.kernel.unreaped.isEmpty)
    }

    @Test func aNamespaceOfTheCallersOwnUserNamespace() throws {
        let run = try Self.run("[{type: net, path: /run/netns/blue}]", .rootless, owner: (4_026_532_555, 1000))
        #expect(run.kernel.logged.contains("""
            /run/netns/blue is owned by user namespace user:[4026532555], made by uid 1000, over which uid 1000 has no CAP_SYS_ADMIN
            """), "\(run.kernel.logged)")
        #expect(run.kernel.logged.contains("""
            hint: it belongs to a user namespace of yours: join the user namespace that owns it too, listed before it in namespaces: {type: user, path: /proc/PID/ns/user} of a process in it
            """), "\(run.kernel.logged)")
    }

    @Test func aNamespaceNotOwnedByTheJoinedUserNamespace() throws {
        let run = try Self.run("[{type: user, path: /proc/77/ns/user}, {type: net, path: /run/netns/blue}]", .rootless,
                               owner: (FakeKernel.initialUserNamespace, 0))
        #expect(run.kernel.logged.contains("""
            error: namespaces: setns(/run/netns/blue, CLONE_NEWNET): /run/netns/blue is owned by a user namespace outside this one (the host's own, or one of another user or process), not by the joined user namespace /proc/77/ns/user (user:[4026532999]); a namespace is joined only with CAP_SYS_ADMIN over the user namespace that owns it: Operation not permitted (EPERM)
            hint: join the user namespace that owns it too, listed before it in namespaces: {type: user, path: /proc/PID/ns/user} of a process in it (`lsns -t user` lists them), in place of /proc/77/ns/user; or run as root without a user namespace
            """), "\(run.kernel.logged)")
    }
}
