import CLinux
import Diagnostics
import Planning
import SpecFormat
import System

/// Runs a plan. Every process of the run (parent, child, init) walks the same step
/// list, which it inherited through fork, and performs the steps of its own actor; handoff
/// steps are where two of them meet over a pipe. In a simulated run (tests, with
/// `RecordingSystemCalls`) one process performs every step in plan order, so the trace is the
/// plan's logical order.
public final class Executor {
    public struct Options: Sendable {
        public var verbose = false
        public var simulated = false
        public init(verbose: Bool = false, simulated: Bool = false) {
            self.verbose = verbose
            self.simulated = simulated
        }
    }

    let plan: Plan
    let sys: SystemCalls
    var caller: Caller { plan.caller }
    let options: Options

    /// Which process this is. Changes in the branch that fork returns 0 to.
    var me: Actor = .parent
    var pids = ProcessIDs()
    var parentPid: Int32 = 0
    /// Opened by whoever makes PID 1 (the parent or the child), kept by PID 1 until it has armed
    /// its parent-death signal: nsspec's pidfd, to catch an nsspec that died before that.
    var parentPidfd: Int32?
    /// Sandbox -> parent: handoffs, the init pid, failures. Close-on-exec, so that the parent
    /// reads end of file once the process has exec'd.
    var report: (read: Int32, write: Int32)?
    /// Parent -> sandbox: "maps written", "host side ready".
    var go: (read: Int32, write: Int32)?
    /// What preflight learned about the host, for the steps that follow.
    var host = HostFacts()
    var mounts = MountState()
    var network = NetworkState()
    var exitCode: Int32 = 0
    private var stageTimer: (stage: Stage, start: UInt64)?

    /// Facts about the plan, worked out once in the parent before anything forks: a process
    /// that walks or copies the steps after a fork touches (retains) what they refer to, and
    /// each page it writes is a copy-on-write fault.
    let participants: [UInt8]
    let sandboxActor: Actor
    let userNamespaceProcess: Actor
    let lastFromParent: Handoff
    let needsGoPipe: Bool
    let initDiesWithParent: Bool

    public init(plan: Plan, system: SystemCalls, options: Options = Options()) {
        self.plan = plan
        self.sys = system
        self.options = options
        let hasInit = plan.steps.contains { $0.actor == .`init` }
        let sandbox: Actor = hasInit ? .`init` : .child
        sandboxActor = sandbox
        // The first process the parent makes: the child, or the sandbox cloned into its namespaces.
        let userNS: Actor = plan.steps.lazy.compactMap { step -> Actor? in
            switch step.action {
            case .fork(let actor), .clone(let actor, _): actor
            default: nil
            }
        }.first ?? .child
        userNamespaceProcess = userNS
        lastFromParent = plan.steps.contains { $0.action == .handoff(.hostSideReady) } ? .hostSideReady : .mapsWritten
        needsGoPipe = plan.steps.contains { if case .handoff(let h) = $0.action { h.fromParent } else { false } }
        initDiesWithParent = plan.steps.contains { $0.actor == .`init` && $0.action == .dieWithParent }
        participants = plan.steps.map { step in
            var bits = Self.bit(step.actor)
            if case .handoff(let handoff) = step.action {
                bits |= Self.bit(Self.receiver(of: handoff, sandbox: sandbox, userNamespaceProcess: userNS))
            }
            return bits
        }
    }

    static func bit(_ actor: Actor) -> UInt8 {
        switch actor {
        case .parent: 1
        case .child: 2
        case .`init`: 4
        }
    }

    /// Runs the plan; returns nsspec's exit status (in the parent; the other processes end in
    /// exec or exit).
    public func run() -> Int32 {
        parentPid = sys.getpid()
        // A write to a pipe whose reader died fails with EPIPE instead of killing nsspec before
        // it could report and clean up. Every process of the sandbox resets it before exec.
        sys.ignoreSignals([13])
        for index in participants.indices where options.simulated || participants[index] & Self.bit(me) != 0 {
            let step = plan.steps[index]
            timeStage(step.stage)
            do {
                try perform(step)
            } catch let failure as RunFailure {
                return fail(failure, at: index)
            } catch let error as SystemError {
                return fail(RunFailure(error, during: step), at: index)
            } catch let reported as ReportedFailure {
                return failed(text: reported.text, code: reported.exitCode)
            } catch {
                return fail(RunFailure("\(error)"), at: index)
            }
        }
        timeStage(nil)
        return exitCode
    }

    /// Who receives a handoff; `sandbox` is the process that builds the sandbox (PID 1 when
    /// there is one of ours, else the child).
    static func receiver(of handoff: Handoff, sandbox: Actor, userNamespaceProcess: Actor) -> Actor {
        switch handoff {
        case .mapsWritten: userNamespaceProcess
        case .hostSideReady: sandbox
        case .userNamespaceReady, .initPid, .netNamespaceReady: .parent
        }
    }

    func receiver(of handoff: Handoff) -> Actor {
        Self.receiver(of: handoff, sandbox: sandboxActor, userNamespaceProcess: userNamespaceProcess)
    }

    func perform(_ step: Step) throws {
        switch step.action {
        case .checkMapHelper, .checkSubordinateRange, .checkSource:
            try preflight(step.action)
        case .fork(let actor): try fork(actor)
        case .clone(let actor, let kinds): try fork(actor, into: kinds)
        case .notDumpable: try sys.setNotDumpable()
        case .handoff(let handoff): try handoffStep(handoff)
        case .dieWithParent: try dieWithParent()
        case .unshare, .join: try namespace(step.action)
        case .writeSetgroups, .writeMap: try idMap(step)
        case .setHostname, .setDomainname: try uts(step.action)
        case .makeRootPrivate, .enterStaging, .mountRootTmpfs, .bindRoot, .bind, .tmpfs, .proc, .sysfs, .dev,
             .devpts, .mqueue, .directory, .file, .symlink, .maskPaths, .readonlyPaths, .pivotRoot, .remountRootReadonly:
            try mount(step.action)
        case .checkNetworkAdmin, .checkHostInterface, .checkHostAddresses, .createVeth, .addAddress, .linkUp, .addRoute,
             .loopbackUp:
            try network(step)
        case .setRlimit, .setGroups, .setGid, .setUid, .capabilities, .noNewPrivileges, .newSession, .exec, .spawn:
            try process(step.action)
        case .reapAndForward: try reapAndForward()
        case .childExits: if !options.simulated { sys.exit(0) }
        case .supervise: try supervise()
        }
    }

    // MARK: - Processes and pipes

    /// Makes the process `actor`: by fork (the child), by clone(CLONE_PARENT) (PID 1 made by
    /// the child is nsspec's own child: nsspec waits for it directly, and the child, with
    /// nothing left to do, exits), or by one clone into `namespaces` (the parent makes the
    /// sandbox already inside all its new namespaces).
    func fork(_ actor: Actor, into namespaces: [NamespaceKind] = []) throws {
        let byParent = me == .parent
        if byParent {
            report = try sys.pipe()
            if needsGoPipe { go = try sys.pipe() }
        }
        if actor == .`init` && initDiesWithParent {
            parentPidfd = try sys.openPidfd(parentPid)
        }
        let pid: Int32
        if !namespaces.isEmpty {
            let flags = namespaces.reduce(Int32(0)) { $0 | Self.cloneFlag($1) }
            pid = namespaces.contains(.user) ? try makingUserNamespace { try sys.clone(flags: flags) } : try sys.clone(flags: flags)
        } else if actor == .`init` {
            pid = try sys.clone(flags: nss_CLONE_PARENT)
        } else {
            pid = try sys.fork()
        }
        let inChild = pid == 0 && !options.simulated
        if !inChild && actor == .`init` && !options.simulated, let fd = parentPidfd {
            sys.close(fd)
            parentPidfd = nil
        }
        if inChild {
            me = actor
            // --verbose: the new process's stage starts now, not when its parent's did.
            if let current = stageTimer { stageTimer = (current.stage, sys.now()) }
            if byParent {
                if let report { sys.close(report.read) }
                if let go { sys.close(go.write) }
            }
            // A netlink socket works in the namespace it was opened in: the new process opens
            // its own, and the pairs the parent made are the parent's to clean up.
            if let socket = network.socket { sys.close(socket) }
            network = NetworkState()
            return
        }
        pids[actor] = pid
        if byParent {
            // The parent keeps only the ends it uses, so that it sees end of file when every
            // process of the sandbox has exec'd or exited.
            if let report { sys.close(report.write) }
            if let go { sys.close(go.read) }
        }
    }

    func handoffStep(_ handoff: Handoff) throws {
        if options.simulated || me != receiver(of: handoff) {
            let message: Message = handoff == .initPid ? .pid(pids[.`init`] ?? 0) : .handoff(handoff.rawValue)
            do {
                try sys.send(message, to: handoff.fromParent ? go!.write : report!.write)
            } catch let error as SystemError where error.errno == 32 && me == .parent && !options.simulated {
                // EPIPE: the sandbox is gone; it has said why on the report pipe.
                while let reply = try sys.receive(from: report!.read) {
                    if case .failure(let code, let text) = reply { throw ReportedFailure(exitCode: code, text: text) }
                }
                throw RunFailure("the sandbox exited before '\(handoff.rawValue)'")
            }
            if handoff == lastFromParent, let go { sys.close(go.write) }
            return
        }
        let fd = handoff.fromParent ? go!.read : report!.read
        switch try sys.receive(from: fd) {
        case nil:
            if me != .parent { sys.exit(125) }  // the parent is gone; it has reported why
            throw RunFailure("the child exited before '\(handoff.rawValue)'")
        case .failure(let code, let text)?:
            throw ReportedFailure(exitCode: code, text: text)
        case .pid(let pid)?:
            pids[.`init`] = pid
        case .handoff?:
            break
        }
        if handoff == lastFromParent { sys.close(go!.read) }
    }

    func dieWithParent() throws {
        try sys.setParentDeathSignal(9)
        // The parent may have died before the signal was armed. PID 1 cannot see its parent's
        // pid from inside its namespace: it asks the pidfd of nsspec opened before it was made.
        if me == .child && !options.simulated && sys.getppid() != parentPid { sys.exit(125) }
        if let fd = parentPidfd, me == .`init` || options.simulated {
            let gone = sys.hasExited(pidfd: fd)
            sys.close(fd)
            parentPidfd = nil
            if gone && !options.simulated { sys.exit(125) }
        }
    }

    // MARK: - Failure

    /// A failure in this process: the parent reports it and cleans up; any other process sends
    /// it to the parent and exits.
    func fail(_ failure: RunFailure, at index: Int) -> Int32 {
        let text = failure.render(plan.steps[index])
        if me != .parent && !options.simulated {
            if let report { try? sys.send(.failure(exitCode: failure.exitCode, text: text), to: report.write) }
            sys.exit(failure.exitCode)
        }
        return failed(text: text, code: failure.exitCode)
    }

    /// In the parent: print the failure, then leave nothing behind: the veth pairs it made are
    /// deleted, and every process of the sandbox is killed (its mounts and namespaces go with
    /// it) and reaped.
    func failed(text: String, code: Int32) -> Int32 {
        sys.write(text, to: 2)
        removeCreatedLinks()
        for pid in [pids.process, pids.initProcess, pids.child] { if let pid { sys.kill(pid, 9) } }
        // Both are nsspec's children (PID 1 through CLONE_PARENT).
        for pid in [pids.child, pids.initProcess] { if let pid { _ = try? sys.waitpid(pid) } }
        return code
    }

    // MARK: - --verbose

    func timeStage(_ stage: Stage?) {
        guard options.verbose else { return }
        if let current = stageTimer, current.stage == stage { return }
        let now = sys.now()
        if let current = stageTimer {
            let micros = (now - current.start) / 1000
            let ms = "\(micros / 1000).\(String(micros % 1000 + 1000).dropFirst())"
            sys.write("nsspec: \(current.stage.rawValue) (\(me.rawValue)): \(ms) ms\n", to: 2)
        }
        stageTimer = stage.map { ($0, now) }
    }

    /// Before a step that does not return (exec, exit) or blocks for the sandbox's lifetime.
    func endTiming() { timeStage(nil) }
}

/// The pids of the processes this one forked (in its own pid namespace). A struct, not a
/// dictionary keyed by Actor: see HostFacts.
struct ProcessIDs {
    var child: Int32?
    var initProcess: Int32?
    /// The process a tiny init spawned.
    var process: Int32?

    subscript(actor: Actor) -> Int32? {
        get {
            switch actor {
            case .parent: nil
            case .child: child
            case .`init`: initProcess
            }
        }
        set {
            switch actor {
            case .parent: break
            case .child: child = newValue
            case .`init`: initProcess = newValue
            }
        }
    }
}

/// A failure of one step, before the step's stage and spec line are added.
struct RunFailure: Error {
    var message: String
    var errno: Int32?
    /// The kernel's own words, when it gave any (netlink's extended ACK).
    var detail: String?
    var hint: String?
    var exitCode: Int32 = 125

    init(_ message: String, errno: Int32? = nil, hint: String? = nil, exitCode: Int32 = 125) {
        self.message = message
        self.errno = errno
        self.hint = hint
        self.exitCode = exitCode
    }

    init(_ error: SystemError, during step: Step) {
        let call = error.object.isEmpty ? error.op : "\(error.op) \(error.object)"
        self.init("\(step.action.summary): \(call)", errno: error.errno, hint: Hints.hint(for: error, in: step))
        detail = error.detail
    }

    /// `file:line:col: error: stage: what: cause (ENAME)` and a hint, like a compiler.
    func render(_ step: Step) -> String {
        var text = "\(step.location): error: \(step.stage.rawValue): \(message)"
        if let errno { text += ": \(Errno.describe(errno))" }
        if let detail { text += " (kernel: \(detail))" }
        text += "\n"
        if let hint { text += "hint: \(hint)\n" }
        return text
    }
}

/// A failure another process of the sandbox has already rendered and sent.
struct ReportedFailure: Error {
    var exitCode: Int32
    var text: String
}
