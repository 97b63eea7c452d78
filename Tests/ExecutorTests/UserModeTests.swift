import Executor
import KernelModel
import Planning
import SpecFormat
import System
import Testing
import Validation

/// network.userMode against the fake kernel: the order pasta starts in, what preflight refuses
/// before anything is made, and that pasta never outlives the run.
@Suite struct UserModeTests {
    static let spec = """
        version: 1
        namespaces: [user, mount, pid, net]
        root: tmpfs
        mounts:
          - {type: proc}
        network:
          userMode:
            ports:
              - {host: 8080, inside: 80}
        process:
          args: [/bin/true]
        """

    func run(_ who: Who = .root, _ setUp: (FakeKernel) -> Void = { _ in }) throws -> Simulation {
        let plan = Planner(spec: try loadSpec(text: Self.spec), caller: who.caller).plan()
        return simulate(plan, uid: who.caller.uid, setUp)
    }

    /// The index of the first trace line of `actor` containing `fragment`.
    func line(_ run: Simulation, _ actor: String, _ fragment: String) throws -> Int {
        guard let index = run.trace.firstIndex(where: { $0.description.hasPrefix(actor + " ") && $0.description.contains(fragment) }) else {
            throw TestFailure("no \(actor) line with '\(fragment)' in\n\(run.text)")
        }
        return index
    }

    /// pasta's pid, as the fake kernel's start line gives it ("start … = PID").
    func pastaPid(_ run: Simulation) -> String {
        run.trace.first { $0.description.contains("start /usr/bin/pasta") }?.description.split(separator: " ").last.map(String.init) ?? "?"
    }

    func nothingMade(_ run: Simulation) {
        #expect(!run.text.contains("clone3") && !run.text.contains("start /"), "nothing may be made after a preflight failure:\n\(run.text)")
    }

    @Test func pastaStartsOnTheSandboxsNamespacesBeforeTheSandboxGoesOnAndEndsWithIt() throws {
        for who in [Who.root, .rootless] {
            let run = try run(who)
            #expect(run.code == 0, "\(run.kernel.logged)")
            let userFd = try line(run, "init", "send \"user namespace fd\" +fd")
            let netFd = try line(run, "init", "send \"net namespace fd\" +fd")
            let start = try line(run, "parent", "start /usr/bin/pasta pasta --foreground --quiet --ns-ifname eth0 --config-net --tcp-ports 8080:80")
            let ready = try line(run, "parent", "read line from")
            let goOn = try line(run, "parent", "send \"host side ready\"")
            let ended = try line(run, "parent", "waitpid")
            #expect(userFd < start && netFd < start && start < ready && ready < goOn && goOn < ended, "\(run.text)")
            let pasta = run.trace[start].description
            #expect(pasta.contains("--userns /proc/self/fd/4 --netns /proc/self/fd/5"))
            #expect(pasta.contains("--runas 0") == (who == .root))
            // Killed and reaped once the sandbox's status is in.
            let kill = try line(run, "parent", "kill \(pastaPid(run)) SIGKILL")
            #expect(kill > ended, "\(run.text)")
        }
    }

    @Test func pastaFailingIsReportedWithItsOwnWordsAndReaped() throws {
        let run = try run(.rootless) {
            $0.helperReady = .endOfFile
            $0.helperLog = "Failed to send 40 bytes to syslog\nCouldn't open user namespace /proc/self/fd/4: Permission denied\n"
        }
        #expect(run.code == 125)
        #expect(run.kernel.logged.contains("error: host network: pasta"), "\(run.kernel.logged)")
        #expect(run.kernel.logged.contains("before the sandbox's network was ready: Couldn't open user namespace /proc/self/fd/4: Permission denied"),
                "\(run.kernel.logged)")
        #expect(!run.kernel.logged.contains("syslog"))
        // Every process of the run is killed: pasta and the sandbox.
        #expect(run.text.contains("kill \(pastaPid(run)) SIGKILL"), "\(run.text)")
        #expect(run.text.contains("waitpid \(pastaPid(run)) = \(pastaPid(run)) killed by SIGKILL"), "\(run.text)")
    }

    @Test func aPastaThatHangsIsKilledAndSaidSo() throws {
        let run = try run(.rootless) { $0.helperReady = .timedOut }
        #expect(run.code == 125)
        #expect(run.kernel.logged.contains("error: host network: pasta did not set the sandbox's network up within 10 s"),
                "\(run.kernel.logged)")
        #expect(run.text.contains("waitpid \(pastaPid(run)) = \(pastaPid(run)) killed by SIGKILL"), "\(run.text)")
    }

    @Test func preflightRefusesWithNothingMade() throws {
        let missing = try run(.rootless) { sys in
            sys.missing.formUnion(["/usr/bin/pasta", "/usr/sbin/pasta", "/usr/local/bin/pasta", "/bin/pasta", "/sbin/pasta"])
        }
        #expect(missing.code == 125)
        #expect(missing.kernel.logged.contains("t.yaml:7:3: error: preflight: pasta is not installed"), "\(missing.kernel.logged)")
        #expect(missing.kernel.logged.contains("hint: install the Debian package passt"))
        nothingMade(missing)

        let taken = try run(.rootless) { $0.portErrors[8080] = .EADDRINUSE }
        #expect(taken.code == 125)
        #expect(taken.kernel.logged.contains("t.yaml:9:16: error: preflight: host port 8080/tcp is already in use on the host"),
                "\(taken.kernel.logged)")
        nothingMade(taken)

        let tun = try run(.rootless) { $0.openErrors["/dev/net/tun"] = .EACCES }
        #expect(tun.code == 125)
        #expect(tun.kernel.logged.contains("pasta, running as uid 1000, cannot open it"), "\(tun.kernel.logged)")
        #expect(tun.kernel.logged.contains("chmod 0666 /dev/net/tun"))
        nothingMade(tun)
    }
}
