import Executor
import Foundation
import KernelModel
import Planning
import System
import Testing

/// Preflight of an overlay (host-overlay), on the model of the kernel: each refusal says what the
/// kernel lacks or what is wrong with the layers, before anything is made.
@Suite struct OverlayPreflightTests {
    static let kept = """
        version: 1
        namespaces: [user, mount]
        root: {path: /srv/rootfs, overlay: {upper: /srv/state/upper, work: /srv/state/work}}
        process: {args: [/bin/true]}
        """

    func run(_ spec: String = kept, _ setUp: (FakeKernel) -> Void) throws -> Simulation {
        let run = simulate(Planner(spec: try loadSpec(text: spec), caller: Who.rootless.caller).plan(), uid: 1000) { kernel in
            kernel.statuses["/srv/state/upper"] = FileStatus(mode: 0o040755, owner: 1000, device: 7)
            kernel.statuses["/srv/state/work"] = FileStatus(mode: 0o040755, owner: 1000, device: 7)
            setUp(kernel)
        }
        #expect(run.code == 125)
        #expect(!run.trace.contains { if case .clone = $0.call { true } else { false } }, "nothing may be made after a preflight failure")
        return run
    }

    @Test func aKernelWithoutOverlayfs() throws {
        let run = try run { $0.files["/proc/filesystems"] = "nodev\ttmpfs\n\text4\n" }
        #expect(run.kernel.logged.contains("preflight: this kernel has no overlayfs (overlay is not in /proc/filesystems)"), "\(run.kernel.logged)")
        #expect(run.kernel.logged.contains("hint: as root: modprobe overlay"))
    }

    @Test func aKernelOlderThan5_11InAUserNamespace() throws {
        let run = try run { $0.release = (release: "5.10.0-28-amd64", machine: "x86_64") }
        #expect(run.kernel.logged.contains("overlayfs in a user namespace needs Linux 5.11 or later; this kernel is 5.10.0-28-amd64"),
                "\(run.kernel.logged)")
    }

    @Test func upperAndWorkOnTwoFilesystems() throws {
        let run = try run { $0.statuses["/srv/state/work"] = FileStatus(mode: 0o040755, owner: 1000, device: 8) }
        #expect(run.kernel.logged.contains("the overlay's upper /srv/state/upper and work /srv/state/work are on different filesystems"),
                "\(run.kernel.logged)")
    }

    @Test func anUpperThatIsNotADirectory() throws {
        let run = try run { $0.statuses["/srv/state/upper"] = FileStatus(mode: 0o100644, owner: 1000, device: 7) }
        #expect(run.kernel.logged.contains("the overlay's upper /srv/state/upper is not a directory"), "\(run.kernel.logged)")
    }
}
