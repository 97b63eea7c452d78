import Planning
import SpecFormat
import System

/// `network.userMode`: pasta connects the sandbox's own network namespace to the host's network
/// in user mode (docs/user-mode-networking.md). Preflight finds pasta, opens /dev/net/tun as the
/// caller and binds each published port for a moment; then, once the sandbox has passed its
/// namespaces to nsspec as fds, the parent starts pasta on them and waits for its "ready" (its
/// pid, written to a pipe once the tap is set up) before it lets the sandbox go on. pasta is
/// nsspec's child, killed when the sandbox ends, on every failure, and by the kernel if nsspec
/// itself dies (PR_SET_PDEATHSIG).
extension Executor {
    /// Where pasta is looked for after the caller's PATH.
    static let pastaDirectories = ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"]
    /// How long pasta may take to set the namespace up (it takes ~40 ms here).
    static let pastaReadyMilliseconds = 10_000

    func userMode(_ step: Step) throws {
        switch step.action {
        case .checkPasta:
            network.pasta.path = try findPasta()
        case .checkTun:
            try checkTun()
        case .checkHostPort(let port):
            try checkHostPort(port)
        case .startPasta(let pasta):
            try startPasta(pasta)
        case .checkPastaInterface(let name):
            guard try sys.link(try netlinkSocket(), .name(name)) != nil else {
                throw RunFailure("pasta said it was ready, but its interface \(name) is not in the sandbox's network namespace",
                                 hint: "pasta may have ended since; run with -v, or try pasta by hand: pasta --config-net -- ip addr")
            }
        default:
            break
        }
    }

    func findPasta() throws -> String {
        // The caller's PATH (its absolute entries only), then pasta's usual places.
        let dirs = (sys.environmentValue("PATH") ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
            + Self.pastaDirectories
        if let found = executable("pasta", env: ["PATH=" + dirs.joined(separator: ":")]) { return found }
        throw RunFailure("pasta is not installed: network.userMode runs it to connect the sandbox's network namespace to the host's",
                         hint: "install the Debian package passt (apt install passt), or remove network.userMode")
    }

    private func checkTun() throws {
        guard let errno = sys.probeOpen("/dev/net/tun", .readWrite) else { return }
        if errno == .ENOENT || errno == .ENODEV || errno == .ENXIO {
            throw RunFailure("/dev/net/tun is missing: pasta makes the sandbox's tap device with it", errno: errno,
                             hint: "load the tun module (modprobe tun); in a container, give it the device /dev/net/tun")
        }
        let mode = (try? sys.fileStatus("/dev/net/tun")).map { " is mode 0" + String($0.mode & 0o7777, radix: 8) } ?? ""
        throw RunFailure("/dev/net/tun\(mode): pasta, running as uid \(caller.uid), cannot open it to make the sandbox's tap device",
                         errno: errno,
                         hint: "give it the usual mode 0666 (chmod 0666 /dev/net/tun: opening it grants nothing without "
                             + "CAP_NET_ADMIN over a network namespace), or run nsspec as root")
    }

    private func checkHostPort(_ port: PastaPlan.Port) throws {
        let probe = PortProbe(v6: port.hostAddress.map { !$0.isV4 } ?? false, udp: port.proto == .udp,
                              address: port.hostAddress?.bytes, port: port.host)
        guard let errno = sys.probePort(probe) else { return }
        switch errno {
        case .EADDRINUSE:
            throw RunFailure("host port \(port.shown) is already in use on the host", errno: errno,
                             hint: "publish another host port (network.userMode.ports), or stop what listens there "
                                 + "(ss -\(port.proto == .tcp ? "lt" : "lu")np 'sport = :\(port.host)')")
        case .EACCES:
            let start = (try? sys.readFile(.path("/proc/sys/net/ipv4/ip_unprivileged_port_start"), limit: 32))
                .map { String(decoding: $0.bytes, as: UTF8.self).filter(\.isNumber) } ?? "1024"
            throw RunFailure("host port \(port.host) is below \(start) (net.ipv4.ip_unprivileged_port_start): uid \(caller.uid) "
                             + "may not listen on it", errno: errno,
                             hint: "publish a host port of \(start) or above (e.g. host: \(port.host + 8000 <= 65535 ? port.host + 8000 : 8080)), "
                                 + "or run nsspec as root")
        case .EADDRNOTAVAIL:
            throw RunFailure("hostAddress \(port.hostAddress.map(\.description) ?? "?") of port \(port.host) is not an address of this host",
                             errno: errno, hint: "use an address of one of the host's interfaces, or leave hostAddress out (every address)")
        default:
            throw RunFailure("host port \(port.shown) cannot be bound", errno: errno)
        }
    }

    /// The sandbox's namespace fds have come (handoffs); pasta gets them at fds 4 (and 5).
    private func startPasta(_ pasta: PastaPlan) throws {
        let path = try network.pasta.path ?? findPasta()
        var passing: [Int32] = []
        if pasta.userNamespace {
            guard let user = network.pasta.userNamespace else { throw RunFailure("the sandbox's user namespace fd did not come") }
            passing.append(user)
        }
        guard let net = network.pasta.netNamespace else { throw RunFailure("the sandbox's net namespace fd did not come") }
        passing.append(net)
        let start = sys.now()
        let helper = try sys.startHelper(path, ["pasta"] + pasta.arguments, ["PATH=/usr/bin:/bin"], passing: passing)
        undo.append(.process(helper.pid))
        network.pasta.pid = helper.pid
        defer {
            sys.close(helper.ready)
            sys.close(helper.log)
            for fd in passing { sys.close(fd) }
            network.pasta.userNamespace = nil
            network.pasta.netNamespace = nil
        }
        let answer = try sys.readLine(helper.ready, timeoutMilliseconds: Self.pastaReadyMilliseconds)
        if case .line = answer {
            if options.verbose { timeStep("pasta ready", since: start) }
            return
        }
        // It failed (or hangs): kill it now, for its status and all it said.
        sys.kill(helper.pid, .SIGKILL)
        let status = try? sys.waitpid(helper.pid)
        if status != nil {
            undo.removeAll { $0 == .process(helper.pid) }
            network.pasta.pid = nil
        }
        let said = Self.pastaMessages(sys.readBack(helper.log, limit: 4096))
        let how: String
        switch (answer, status) {
        case (.timedOut, _): how = "did not set the sandbox's network up within \(Self.pastaReadyMilliseconds / 1000) s"
        case (_, .exited(let code)?): how = "exited with status \(code) before the sandbox's network was ready"
        case (_, .signaled(let signal)?): how = "was killed by signal \(signal) before the sandbox's network was ready"
        default: how = "ended before the sandbox's network was ready"
        }
        throw RunFailure("pasta \(how)" + (said.isEmpty ? "" : ": " + said), hint: pastaHint(said))
    }

    /// pasta's own lines, without its complaints that there is no syslog to write them to.
    static func pastaMessages(_ text: String) -> String {
        text.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("Failed to send ") && !$0.contains("to syslog") && !$0.isEmpty }
            .joined(separator: "; ")
    }

    private func pastaHint(_ said: String) -> String? {
        guard said.contains("Permission denied") else { return nil }
        if said.contains("namespace"),
           let profiles = try? sys.readFile(.path("/sys/kernel/security/apparmor/profiles"), limit: 1 << 20),
           String(decoding: profiles.bytes, as: UTF8.self).contains("pasta") {
            return "AppArmor confines pasta on this host (profile passt, /etc/apparmor.d/usr.bin.passt), whose rules name "
                + "/proc/PID/ns/{net,user} but not the /proc/self/fd/N through which nsspec passes the sandbox's namespaces: "
                + "dmesg shows the denied name (apparmor=\"DENIED\" … profile=\"passt\"); allow it in the profile, or put "
                + "the profile in complain mode (aa-complain /usr/bin/passt)"
        }
        if said.contains("tun") { return "pasta cannot open /dev/net/tun: give it mode 0666, or run nsspec as root" }
        return nil
    }

    /// Once the sandbox has ended: pasta goes too (it would keep the namespace alive). A
    /// failure to reap it is the run's failure (the roll-back kills and reaps it then).
    func stopPasta() throws {
        guard let pid = network.pasta.pid else { return }
        sys.kill(pid, .SIGKILL)
        _ = try sys.waitpid(pid)
        undo.removeAll { $0 == .process(pid) }
        network.pasta.pid = nil
    }
}

/// pasta's part of the parent's network state.
struct PastaState {
    var path: String?
    /// Received from the sandbox, until pasta has them.
    var userNamespace: Int32?
    var netNamespace: Int32?
    var pid: Int32?
}
