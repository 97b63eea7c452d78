import Diagnostics
import Planning
import SpecFormat
import System

/// Runs a plan. Every process of the run (parent, child, init) walks the same step list and
/// performs its own part: the steps whose actor it is, and the handoffs addressed to it (which
/// it waits for). A new process is made by a step (`fork`, `clone`) and starts at the step after
/// it, with a copy of its maker's state; it ends by exec, or when its steps run out.
public final class Executor {
    public struct Options: Sendable {
        public var verbose = false
        public init(verbose: Bool = false) {
            self.verbose = verbose
        }
    }

    let plan: Plan
    let sys: SystemCalls
    var caller: Caller { plan.caller }
    let options: Options
    /// Where compiled seccomp programs are kept (nil: compiled on every run).
    let cache: CacheStore?

    /// Which process this is.
    var me: Actor = .parent
    var pids = ProcessIDs()
    var parentPid: Int32 = 0
    /// Opened by whoever makes PID 1 (the parent or the child), kept by PID 1 until it has armed
    /// its parent-death signal: nsspec's pidfd, to catch an nsspec that died before that.
    var parentPidfd: Int32?
    /// This process's end of the socket pair between the parent and the sandbox (close-on-exec:
    /// the parent reads end of file once every process of the sandbox has exec'd or exited).
    var channel: Int32?
    /// In the parent, until its first process is made: the sandbox's end.
    var sandboxEnd: Int32?
    /// What preflight learned about the host, for the steps that follow.
    var host = HostFacts()
    var mounts = MountState()
    var network = NetworkState()
    var terminal = TerminalState()
    /// The seccomp filters, compiled by the parent before any fork, loaded by the sandbox.
    var seccompPrograms: [[UInt8]] = []
    /// What this process has made that a failure takes back, newest last.
    var undo: [Undo] = []
    var exitCode: Int32 = 0
    /// Named sandboxes (`run --name`): called in nsspec's process once the sandbox's process
    /// has started, with the host pid nsspec waits for (PID 1, or the process without a pid
    /// namespace); and when it has ended, with the status `run` returns. Nil for a plain run.
    public var started: ((Int32) -> Void)?
    public var ended: ((Int32) -> Void)?
    /// Where nsspec's own process reports a failure (`run --detach`: the caller's standard error,
    /// kept at another fd while the sandbox's streams are /dev/null).
    public var diagnostics: Int32 = 2
    /// A named run: a tiny PID 1 (which keeps its end of the channel) says when it has started
    /// the process, for `started`. Copied into the processes the run makes.
    var announcesStart = false
    /// The namespaces a tiny PID 1 named when it announced the start (empty otherwise).
    public var startedNamespaces: [(kind: String, inode: UInt64)] = []
    static let processStarted = "process-started"
    private var stageTimer: (stage: Stage, start: UInt64)?

    /// For each step, the processes it involves (its actor, and the receiver of a handoff) as
    /// bits: worked out once before any fork, so that a process skipping the steps of others
    /// touches (retains) nothing of them, and writes no page it shares with its maker.
    let participants: [UInt8]

    public init(plan: Plan, system: SystemCalls, options: Options = Options(), cache: CacheStore? = nil) {
        self.plan = plan
        self.sys = system
        self.options = options
        self.cache = cache
        participants = plan.steps.map { Self.bit($0.actor) | ($0.action.receiver.map(Self.bit) ?? 0) }
    }

    static func bit(_ actor: Actor) -> UInt8 {
        switch actor {
        case .parent: 1
        case .child: 2
        case .`init`: 4
        }
    }

    /// The state of a new process `actor`, made by `maker`: a copy of the maker's as it is at
    /// the clone, as fork leaves it. No call here: what belongs to the maker alone is closed by
    /// the new process itself, in `startAsNewProcess`.
    init(_ actor: Actor, copying maker: Executor) {
        plan = maker.plan
        sys = maker.sys
        options = maker.options
        cache = maker.cache
        participants = maker.participants
        me = actor
        pids = maker.pids
        parentPid = maker.parentPid
        parentPidfd = maker.parentPidfd
        host = maker.host
        terminal = maker.terminal
        seccompPrograms = maker.seccompPrograms
        mounts = maker.mounts
        exitCode = maker.exitCode
        stageTimer = maker.stageTimer
        announcesStart = maker.announcesStart || maker.started != nil
        // The parent's end stays the parent's; a process made by the child shares its end.
        if let end = maker.sandboxEnd {
            channel = end
            makersOnly = [maker.channel, maker.network.socket].compactMap { $0 }
        } else {
            channel = maker.channel
            // A netlink socket works in the namespace it was opened in: the new process opens
            // its own, and the pairs its maker made are the maker's to take back.
            makersOnly = [maker.network.socket].compactMap { $0 }
        }
    }

    /// The fds of the maker that the new process closes first.
    private var makersOnly: [Int32] = []

    /// The new process's part of the plan, from the step after the one that made it.
    func startAsNewProcess(after index: Int) -> Int32 {
        for fd in makersOnly { sys.close(fd) }
        makersOnly = []
        // The caller's other fds stay with nsspec: a process of the sandbox holds only stdio and
        // its own (PID 1 lives as long as the sandbox and would keep them open).
        do {
            try sys.closeFileDescriptors(from: 3, keeping: [channel, parentPidfd].compactMap { $0 })
        } catch let error as SystemError {
            return fail(RunFailure(error, during: plan.steps[index]), at: index)
        } catch {
            return fail(RunFailure("\(error)"), at: index)
        }
        // --verbose: the new process's stage starts now, not when its maker's did.
        if let current = stageTimer { stageTimer = (current.stage, sys.now()) }
        return perform(from: index + 1)
    }

    /// Runs the plan as nsspec's own process (the parent); returns nsspec's exit status.
    public func run() -> Int32 {
        parentPid = sys.getpid()
        // A write to a socket whose reader died fails with EPIPE instead of killing nsspec before
        // it could report and clean up. Every process of the sandbox resets it before exec.
        sys.ignoreSignals([.SIGPIPE])
        // A caller that ignores SIGCHLD (SIG_IGN survives exec) would have the kernel reap
        // nsspec's children itself, and nsspec's wait for the sandbox's status find nothing.
        sys.defaultSignals([.SIGCHLD])
        return perform(from: 0)
    }

    /// This process's part of the plan from step `start` on; returns its exit status.
    func perform(from start: Int) -> Int32 {
        let mine = Self.bit(me)
        for index in start..<plan.steps.count where participants[index] & mine != 0 {
            let step = plan.steps[index]
            timeStage(step.stage)
            do {
                if let code = try perform(step, at: index) {
                    timeStage(nil)
                    return code
                }
            } catch let failure as RunFailure {
                return fail(failure, at: index)
            } catch let error as SystemError {
                return fail(RunFailure(error, during: step), at: index)
            } catch let reported as ReportedFailure {
                return failed(text: reported.text, code: reported.exitCode)
            } catch let end as ProcessEnd {
                rollBack()
                return end.code
            } catch {
                return fail(RunFailure("\(error)"), at: index)
            }
        }
        timeStage(nil)
        return exitCode
    }

    /// One step; a status when it ends this process (exec, or nothing left to do).
    func perform(_ step: Step, at index: Int) throws -> Int32? {
        switch step.action {
        case .checkMapHelper, .checkSubordinateRange, .checkSource, .checkTarget, .checkOverlay, .checkNamespacePath:
            try preflight(step.action)
        case .runFromSealedCopy:
            if !sys.runsFromSealedCopy() { try sys.reexecFromSealedCopy() }
        case .openChannel:
            (channel, sandboxEnd) = try sys.socketPair()
        case .watchParent:
            parentPidfd = try sys.openPidfd(parentPid)
        case .fork(let actor):
            try makeProcess(actor, actor == .`init` ? .parent : [], after: index)
        case .clone(let actor, let kinds):
            let flags = kinds.reduce(into: CloneFlags()) { $0.insert(Self.cloneFlag($1)) }
            try makeProcess(actor, flags, after: index)
        case .notDumpable: try sys.setNotDumpable()
        case .handoff(let handoff, let to): try self.handoff(handoff, to: to)
        case .dieWithParent: try dieWithParent()
        case .unshare, .join: try namespace(step.action)
        case .writeSetgroups, .writeMap, .adoptMappedID: try idMap(step)
        case .setHostname, .setDomainname: try uts(step.action)
        case .makeRootPrivate, .enterStaging, .mountRootTmpfs, .bindRoot, .overlayRoot, .overlay, .bind, .tmpfs, .proc, .sysfs, .dev,
             .devpts, .mqueue, .directory, .file, .resolvConf, .symlink, .maskPaths, .readonlyPaths, .pivotRoot, .remountRootReadonly,
             .readonlyHostTree:
            do {
                try mount(step.action)
            } catch let error as SystemError where error.errno == .EROFS {
                throw readOnlyFailure(error, at: index) ?? RunFailure(error, during: step)
            }
        case .checkNetworkAdmin, .checkHostInterface, .checkHostAddresses, .createVeth, .addAddress, .linkUp, .addRoute,
             .loopbackUp:
            try network(step)
        case .checkPasta, .checkTun, .checkHostPort, .startPasta, .checkPastaInterface:
            try userMode(step)
        case .checkTerminal, .privateDevpts, .openTerminal:
            try terminalStep(step.action)
        case .compileSeccomp(let policy):
            seccompPrograms = try seccompPrograms(policy)
        case .loadSeccomp:
            for program in seccompPrograms { try sys.loadSeccomp(program) }
        case .setRlimit, .setGroups, .setGid, .setUid, .capabilities, .noNewPrivileges, .newSession, .newSessionKeyring, .spawn:
            try process(step.action)
        case .exec(let args, let cwd, let env):
            try exec(args, cwd: cwd, env: env, spawn: false)
            return 0  // only a model of the kernel returns from a successful exec
        case .reapAndForward: return try reapAndForward()
        case .childExits: return 0
        case .supervise(let statusOf, let reap): try supervise(statusOf: statusOf, reap: reap)
        }
        return nil
    }

    // MARK: - Processes and the channel

    /// Makes the process `actor`, which performs its part of the plan from the step after
    /// `index` and ends. `.parent` in `flags` (CLONE_PARENT): PID 1 made by the child is
    /// nsspec's own child, which nsspec waits for directly; CLONE_NEW*: the parent makes the
    /// sandbox already inside all its new namespaces.
    func makeProcess(_ actor: Actor, _ flags: CloneFlags, after index: Int) throws {
        // The cache's secret stays with nsspec: every entry is written by now.
        if me == .parent { cache?.forget() }
        let made = Executor(actor, copying: self)
        let body = { made.startAsNewProcess(after: index) }
        let pid = flags.contains(.newUser)
            ? try makingUserNamespace { try sys.clone(flags, name: actor.rawValue, body) }
            : try sys.clone(flags, name: actor.rawValue, body)
        pids[actor] = pid
        undo.append(.process(pid))
        // The maker keeps only what it uses: the parent sees end of file on its end once every
        // process of the sandbox has exec'd or exited.
        if let end = sandboxEnd {
            sys.close(end)
            sandboxEnd = nil
        }
        if actor == .`init`, let fd = parentPidfd {
            sys.close(fd)
            parentPidfd = nil
        }
    }

    /// Sends `handoff` to `receiver`, or (as the receiver) waits for it.
    func handoff(_ handoff: Handoff, to receiver: Actor) throws {
        guard let channel else { throw RunFailure("no channel for '\(handoff.rawValue)'") }
        guard me == receiver else {
            let message: Message = handoff == .initPid ? .pid(pids.initProcess ?? 0) : .handoff(handoff.rawValue)
            // The namespaces pasta joins, as fds: /proc/PID/ns of a PID 1 that is not dumpable
            // is out of a caller's reach without root.
            let kind = handoff == .userNamespaceFd ? "user" : handoff == .netNamespaceFd ? "net" : nil
            let fd = try kind.map { try sys.open("/proc/self/ns/\($0)", .readOnly) }
            defer { if let fd { sys.close(fd) } }
            do {
                try sys.send(message, passing: fd, on: channel)
            } catch let error as SystemError where error.errno == .EPIPE && me == .parent {
                // The sandbox is gone; it has said why on the channel.
                while let reply = try sys.receive(on: channel) {
                    if case .failure(let code, let text) = reply.message { throw ReportedFailure(exitCode: code, text: text) }
                }
                throw RunFailure("the sandbox exited before '\(handoff.rawValue)'")
            }
            // PID 1 is the parent's now: it kills and reaps it if the run fails.
            if handoff == .initPid { undo.removeAll { $0 == .process(pids.initProcess ?? 0) } }
            return
        }
        guard let received = try sys.receive(on: channel) else {
            if me != .parent { throw ProcessEnd(code: 125) }  // the parent is gone; it has reported why
            throw RunFailure("the sandbox exited before '\(handoff.rawValue)'")
        }
        if let fd = received.fd {
            // Kept only when it is the namespace this handoff brings (pasta's); closed otherwise.
            let expected = if case .handoff(handoff.rawValue) = received.message { true } else { false }
            switch handoff {
            case .userNamespaceFd where expected: network.pasta.userNamespace = fd
            case .netNamespaceFd where expected: network.pasta.netNamespace = fd
            default: sys.close(fd)
            }
        }
        switch received.message {
        case .failure(let code, let text):
            throw ReportedFailure(exitCode: code, text: text)
        case .pid(let pid) where handoff == .initPid:
            pids.initProcess = pid
            undo.append(.process(pid))
        case .handoff(let name) where name == handoff.rawValue:
            break
        default:
            throw RunFailure("expected '\(handoff.rawValue)' from the other process, received \(received.message)")
        }
    }

    func dieWithParent() throws {
        try sys.setParentDeathSignal(.SIGKILL)
        // The parent may have died before the signal was armed. PID 1 cannot see its parent's
        // pid from inside its namespace: it asks the pidfd of nsspec opened before it was made.
        if me == .child && sys.getppid() != parentPid { throw ProcessEnd(code: 125) }
        if let fd = parentPidfd {
            let gone = sys.hasExited(pidfd: fd)
            sys.close(fd)
            parentPidfd = nil
            if gone { throw ProcessEnd(code: 125) }
        }
    }

    // MARK: - Failure

    /// A failure in this process: the parent reports it and cleans up; any other process sends
    /// it to the parent, takes back what it made, and ends.
    func fail(_ failure: RunFailure, at index: Int) -> Int32 {
        let text = failure.render(plan.steps[index])
        guard me == .parent else {
            if let channel { try? sys.send(.failure(exitCode: failure.exitCode, text: text), passing: nil, on: channel) }
            rollBack()
            return failure.exitCode
        }
        return failed(text: text, code: failure.exitCode)
    }

    /// In the parent: print the failure, then leave nothing behind.
    func failed(text: String, code: Int32) -> Int32 {
        sys.write(text, to: diagnostics)
        rollBack()
        return code
    }

    /// Takes back what this process made, newest first: the veth pairs are deleted, and every
    /// process is killed (its mounts and namespaces go with it), then reaped when it is this
    /// one's child (PID 1 made by the child is the parent's, through CLONE_PARENT).
    func rollBack() {
        for item in undo.reversed() {
            switch item {
            case .link(let name, let index):
                if let socket = network.socket { try? sys.deleteLink(socket, index: index, interface: name) }
            case .process(let pid):
                sys.kill(pid, .SIGKILL)
            }
        }
        for case .process(let pid) in undo { _ = try? sys.waitpid(pid) }
        undo = []
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

    /// --verbose: one step of a stage, timed on its own (an overlay's layers).
    func timeStep(_ what: String, since start: UInt64) {
        let micros = (sys.now() - start) / 1000
        sys.write("nsspec:   \(what) (\(me.rawValue)): \(micros / 1000).\(String(micros % 1000 + 1000).dropFirst()) ms\n", to: 2)
    }

    /// Before a step that does not return (exec) or blocks for the sandbox's lifetime.
    func endTiming() { timeStage(nil) }
}

/// Something a process made, which a failure takes back.
enum Undo: Equatable {
    case process(Int32)
    /// The host end of a veth pair (deleting it deletes the pair).
    case link(name: String, index: Int32)
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
    var errno: Errno?
    /// The kernel's own words, when it gave any (netlink's extended ACK).
    var detail: String?
    var hint: String?
    /// Other places of the spec the failure involves (an earlier mount), compiler style.
    var notes: [(location: SourceLocation, message: String)] = []
    var exitCode: Int32 = 125

    init(_ message: String, errno: Errno? = nil, hint: String? = nil, exitCode: Int32 = 125) {
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

    /// What failed and why, in one line: `what: cause (ENAME) (kernel: detail)`.
    var cause: String {
        var text = message
        if let errno { text += ": \(errno)" }
        if let detail { text += " (kernel: \(detail))" }
        return text
    }

    /// `file:line:col: error: stage: what: cause (ENAME)`, its notes and a hint, like a compiler.
    func render(_ step: Step) -> String {
        var text = "\(step.location): error: \(step.stage.rawValue): \(cause)\n"
        for note in notes { text += "\(note.location): note: \(note.message)\n" }
        if let hint { text += "hint: \(hint)\n" }
        return text
    }
}

/// The end of a process that has nothing to report: its parent is gone (and has said why, or
/// was killed).
struct ProcessEnd: Error {
    var code: Int32
}

/// A failure another process of the sandbox has already rendered and sent.
struct ReportedFailure: Error {
    var exitCode: Int32
    var text: String
}
