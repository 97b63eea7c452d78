import Diagnostics
import System

/// `nsspec init [--template minimal|ci|rootfs|network] [FILE]`: writes a commented spec to FILE
/// (default ./nsspec.yaml; `-`: standard output), never over anything already there.
struct InitRequest {
    var template: InitTemplate
    var file: String

    static let grammar = Arguments.Grammar(options: ["--template": "template", "-t": "template"], subcommand: "init")

    static func parse(_ args: [String]) throws(UsageError) -> InitRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard parsed.positionals.count <= 1 else {
            throw UsageError("init writes one spec, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "init")
        }
        let name = parsed.options["template"] ?? InitTemplate.minimal.rawValue
        guard let template = InitTemplate(rawValue: name) else {
            let names = InitTemplate.allCases.map(\.rawValue)
            let suggestion = Suggestion.closest(to: name, in: names).map { "; did you mean '\($0)'?" } ?? ""
            throw UsageError("no template '\(name)'\(suggestion) (the templates are \(names.joined(separator: ", ")))", "init")
        }
        return InitRequest(template: template, file: parsed.positionals.first ?? "nsspec.yaml")
    }

    func run() -> Int32 {
        let shown = file == "-" ? "nsspec.yaml" : file
        let text = template.text(schema: schemaReference(), file: shown)
        if file == "-" {
            Output.write(text)
            return 0
        }
        do {
            try system.createFile(file, with: Array(text.utf8), mode: 0o644)
        } catch let error as SystemError where error.errno == .EEXIST {
            Output.error("nsspec: \(file) already exists; init never overwrites a file: remove it, or give another FILE\n")
            return 1
        } catch let error as SystemError {
            Output.error("nsspec: cannot create \(file): \(error.op): \(error.errno.message)\n")
            return 1
        } catch {
            Output.error("nsspec: cannot create \(file): \(error)\n")
            return 1
        }
        let quoted = shellQuote(file)
        var out = "wrote \(file): \(template.summary)\n"
        if template == .rootfs, (try? system.fileKind(directory(of: file) + "/rootfs")) != .directory {
            out += "rootfs/ next to it must hold a root file system before `run`: \(file)'s first comment says how to make one\n"
        }
        if template == .ci {
            out += "it runs `make test` in the spec's directory (bound at /work): set process.args to your build\n"
        }
        out += "next:\n  nsspec validate \(quoted)\n  nsspec plan \(quoted)\n  nsspec run \(quoted)\n"
        Output.write(out)
        return 0
    }

    /// Where the spec's modeline points editors for nsspec's JSON Schema: the schema beside this
    /// nsspec (`schema/` of the source tree it was built in, or `share/nsspec/` of the prefix it
    /// is installed in), relative to the spec when the spec is in that tree, else by its absolute
    /// path; the schema's `$id` when there is none beside it.
    func schemaReference() -> String {
        let id = "https://nsspec.dev/schema/v1/nsspec.schema.json"
        guard let exe = try? system.canonicalPath("/proc/self/exe") else { return id }
        let bin = directory(of: exe)
        // SwiftPM puts the binary at SOURCE/.build/TRIPLE/debug/nsspec (and .build-release/…).
        let candidates = [(bin + "/../../..", "schema/nsspec.schema.json"), (bin + "/../share/nsspec", "nsspec.schema.json")]
        for (base, name) in candidates {
            guard let root = try? system.canonicalPath(base), (try? system.fileKind(root + "/" + name)) == .regular else { continue }
            let specDirectory = try? system.canonicalPath(file == "-" ? "." : directory(of: file))
            if let specDirectory, specDirectory == root || specDirectory.hasPrefix(root == "/" ? "/" : root + "/") {
                let depth = specDirectory.dropFirst(root.count).split(separator: "/").count
                return String(repeating: "../", count: depth) + name
            }
            return (root == "/" ? "" : root) + "/" + name
        }
        return id
    }

    func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// A word as a POSIX shell reads it: as it is when it holds only safe characters, else in single quotes.
func shellQuote(_ word: String) -> String {
    let safe = !word.isEmpty && word.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-./=:,+@%".unicodeScalars.contains($0)
    }
    if safe { return word }
    var out = "'"
    for c in word { out += c == "'" ? "'\\''" : String(c) }
    return out + "'"
}

/// The specs `nsspec init` writes. Each is valid as written (`validate --strict` passes), runs
/// root and rootless on a Debian-like host (rootfs: once rootfs/ holds a system), and is
/// commented for someone who has never seen a spec.
enum InitTemplate: String, CaseIterable {
    case minimal, ci, rootfs, network

    var summary: String {
        switch self {
        case .minimal: "template 'minimal', a small sandbox on an empty root that says who and where it is"
        case .ci: "template 'ci', a build sandbox: the project at /work, the rest read-only, loopback only"
        case .rootfs: "template 'rootfs', a sandbox whose root is the directory rootfs/ next to the spec"
        case .network: "template 'network', a network namespace of its own with loopback up (a veth example commented)"
        }
    }

    func text(schema: String, file: String) -> String {
        let header = """
            # yaml-language-server: $schema=\(schema)
            # (the line above gives editors nsspec's JSON Schema: completion, hover docs and errors)
            #
            # An nsspec spec, written by `nsspec init --template \(rawValue)`. Every key, its default
            # and its rules: docs/spec-v1.md in nsspec's source. `nsspec validate \(file)` checks it,
            # `nsspec plan \(file)` prints what `run` will do, step by step.

            """
        return header + fill(body, usr: Self.usrLines, file: file)
    }

    private var body: String {
        switch self {
        case .minimal: Self.minimalText
        case .ci: Self.ciText
        case .rootfs: Self.rootfsText
        case .network: Self.networkText
        }
    }

    // The mounts of a host's /usr on an empty root (merged /usr: Debian 12, Fedora, Arch, …).
    private static let usrLines = #"""
          - {type: bind, source: /usr, target: /usr, readonly: true}
          # /bin, /lib, /lib64 and /sbin live in /usr on merged-/usr systems: links to it.
          - {type: symlink, target: /bin, link: usr/bin}
          - {type: symlink, target: /lib, link: usr/lib}
          - {type: symlink, target: /lib64, link: usr/lib64}
          - {type: symlink, target: /sbin, link: usr/sbin}
        """#

    private static let minimalText = #"""
        #
        # A small sandbox: new user, mount, uts, ipc and pid namespaces, an empty tmpfs as / with
        # the host's /usr read-only in it, and a process that says who and where it is.
        # Without root it works the same: the new user namespace maps your uid to 0 inside.
        # As root it is safe: uid 0 inside is then the host's root, but / is a throwaway tmpfs and
        # the only host files in reach are /usr's, read-only.
        # Run it: nsspec run @FILE@            (another command: nsspec run @FILE@ -- /bin/sh)

        version: 1                   # the spec format's version (required)
        name: minimal                # a label for humans and logs

        # The namespaces to create: user, mount, uts, ipc, pid, net, cgroup, time. nsspec makes
        # the user namespace first, whatever the order here; without one, only root may make the others.
        namespaces: [user, mount, uts, ipc, pid]
        hostname: sandbox            # the sandbox's own hostname (needs uts)

        # No uidMap or gidMap: your uid and gid are 0 inside, nothing else is mapped. A map of many
        # ids uses the range /etc/subuid gives you:  uidMap: [{inside: 0, outside: subordinate, count: 65536}]

        root: tmpfs                  # / inside: an empty tmpfs. Or `host` (the host's tree), or {path: DIR}
        readonlyRoot: true           # / becomes read-only once the mounts below are made
        mounts:                      # made in this order, inside the new root
        @USR@
          - {type: proc}             # /proc of the new pid namespace (target: /proc by default)
          - {type: tmpfs, target: /tmp}   # writable scratch space, gone after the run

        process:
          args: [/bin/sh, -c, 'echo "hello from $(uname -n)"; id']   # `nsspec run @FILE@ -- CMD…` replaces it
          env: {PATH: /usr/bin:/bin}   # the whole environment: nothing of yours leaks in
          passEnv: [TERM]              # except the variables named here
          # cwd: /                     # the default with a root of its own
          # uid: 0                     # the ids inside; 0 (you) is the only one mapped here
          # gid: 0
          # capabilities: []           # CAP_* names to keep; every other one is dropped

        """#

    private static let ciText = #"""
        #
        # A build sandbox for CI: this spec's directory (the project) is bound at /work, writable
        # for build output; the host's /usr and a few files of /etc are read-only; /tmp is empty;
        # there is no network but loopback, and no variable of yours but TERM. Rootless or as
        # root: as root, uid 0 inside is the host's root, which is why only /work is writable and
        # /etc/shadow and host keys are not bound.
        # Run it: nsspec run @FILE@            (another command: nsspec run @FILE@ -- make check)

        version: 1
        name: ci

        namespaces: [user, mount, uts, ipc, pid, net]   # net: a network of its own (drop it for the host's)
        hostname: ci

        root: tmpfs                  # an empty root, with only what is mounted below
        readonlyRoot: true           # / read-only once the table is built; /work and /tmp stay writable
        mounts:
        @USR@
          # Only what builds read from /etc. `optional: true`: skipped where the host has none.
          - {type: bind, source: /etc/passwd, target: /etc/passwd, readonly: true}
          - {type: bind, source: /etc/group, target: /etc/group, readonly: true}
          - {type: bind, source: /etc/alternatives, target: /etc/alternatives, readonly: true, optional: true}   # cc, c++, …
          - {type: bind, source: /etc/ld.so.cache, target: /etc/ld.so.cache, readonly: true, optional: true}
          - {type: bind, source: /etc/ssl, target: /etc/ssl, readonly: true, optional: true}    # CA certificates
          # The project: `.` is this spec's directory (relative paths are relative to the spec
          # file, not to where you run nsspec). Writable: no `readonly`.
          - {type: bind, source: ., target: /work}
          - {type: tmpfs, target: /tmp, size: 512Mi, mode: "1777"}   # modes are quoted octal strings
          - {type: proc}
          - {type: dev}              # a minimal /dev: null zero full random urandom tty, pts, shm

        network:
          loopback: true             # lo is up, so tests may listen on 127.0.0.1 (false: lo stays down)

        process:
          args: [make, test]         # your build; looked up in env's PATH
          cwd: /work
          env: {PATH: /usr/local/bin:/usr/bin:/bin, HOME: /tmp, LANG: C.UTF-8}
          passEnv: [TERM]            # nothing else of the caller's environment leaks in
          rlimits: {nofile: 4096}    # setrlimit(2) names: nofile, nproc, core, as, …

        """#

    private static let rootfsText = #"""
        #
        # A sandbox whose / is a directory of its own: rootfs/, next to this spec, bound read-only,
        # so the sandbox changes nothing in it. Make one first, for example:
        #   a Debian system (as root; without root add --mode=unshare):
        #     mmdebstrap --variant=minbase bookworm rootfs
        #   or a tiny one from busybox (Debian package busybox-static):
        #     mkdir -p rootfs/bin rootfs/proc rootfs/dev rootfs/tmp
        #     cp /bin/busybox rootfs/bin/
        #     for a in $(rootfs/bin/busybox --list); do [ $a = busybox ] || ln -s busybox rootfs/bin/$a; done
        # Until rootfs/ exists, `nsspec run` stops before making anything and says so.
        # Run it: nsspec run @FILE@            (a shell: nsspec run @FILE@ -- /bin/sh)

        version: 1
        name: rootfs

        namespaces: [user, mount, uts, ipc, pid]
        hostname: rootfs

        # The directory to use as /, relative to this spec. readonly: true binds it read-only, so
        # every target below must already exist in it (a read-only root gets no new directories).
        root: {path: rootfs, readonly: true}
        mounts:
          - {type: proc}             # at /proc
          - {type: dev}              # at /dev: null zero full random urandom tty, pts, shm
          - {type: tmpfs, target: /tmp}

        process:
          args: [/bin/sh, -c, 'echo "hello from $(uname -n)"; ls /']
          env: {PATH: /usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin, HOME: /root}
          passEnv: [TERM]

        """#

    private static let networkText = #"""
        #
        # A sandbox with a network namespace of its own: none of the host's interfaces is in
        # reach, and lo is up, so 127.0.0.1 and ::1 work inside (a server and its tests, say).
        # Rootless or as root. A veth pair to the host is commented out below: it needs root.
        # Run it: nsspec run @FILE@            (a shell: nsspec run @FILE@ -- /bin/sh)

        version: 1
        name: network

        namespaces: [user, mount, uts, ipc, pid, net]   # net: the new network namespace
        hostname: network

        root: tmpfs
        readonlyRoot: true
        mounts:
        @USR@
          - {type: bind, source: /etc/hosts, target: /etc/hosts, readonly: true, optional: true}
          - {type: proc}
          - {type: tmpfs, target: /tmp}

        network:                     # needs net
          loopback: true             # the default; false leaves lo down
          # A veth pair: eth0 inside, its peer on the host. The host end lives in your network
          # namespace, so this needs root (a rootless run stops at preflight and says so). Try it
          # as root in a throwaway network namespace, which then plays the host:
          #   sudo unshare --net sh -c 'ip link set lo up && nsspec run @FILE@'
          # veth:
          #   - name: eth0                             # inside the sandbox (at most 15 bytes)
          #     address: 10.250.0.2/30                 # IPv4 or IPv6 CIDR, or a list of them
          #     gateway: 10.250.0.1                    # the default route inside
          #     mtu: 1500
          #     host: {name: nsspec0, address: 10.250.0.1/30}   # the host end: named, addressed, up

        process:
          args: [ip, -brief, address]  # the sandbox's interfaces (iproute2)
          env: {PATH: /usr/bin:/bin:/usr/sbin:/sbin}

        """#
}

/// `@USR@` lines become the /usr mounts, `@FILE@` the spec's name (shell-quoted).
private func fill(_ body: String, usr: String, file: String) -> String {
    var out = ""
    for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
        out += line == "@USR@" ? usr : replace(String(line), "@FILE@", shellQuote(file))
        out += "\n"
    }
    return String(out.dropLast())
}

private func replace(_ text: String, _ token: String, _ value: String) -> String {
    let chars = Array(text), wanted = Array(token)
    var out = ""
    var i = 0
    while i < chars.count {
        if i + wanted.count <= chars.count && Array(chars[i..<(i + wanted.count)]) == wanted {
            out += value
            i += wanted.count
        } else {
            out.append(chars[i])
            i += 1
        }
    }
    return out
}
