import Planning
import System

/// `process.terminal`: the sandbox's own pseudo-terminal, which nsspec relays to its own. Nothing
/// of the caller's terminal reaches the sandbox: the process gets a pty of the sandbox's devpts
/// (the table's at /dev/pts, or a private one on a detached mount), whose master travels to
/// nsspec over the socket pair; nsspec sets its own terminal raw and copies bytes both ways, so
/// that Ctrl-C, Ctrl-Z and Ctrl-\ are signals of the sandbox's line discipline, for its own
/// foreground process group.
struct TerminalState {
    /// Decided by the parent at preflight (and inherited by the sandbox's processes): the spec
    /// wants a terminal and nsspec's standard input is one.
    var active = false
    /// The private devpts's root, when the table mounts none at /dev/pts.
    var devpts: Int32?
    /// The pty's slave, kept for the process.
    var slave: Int32?
    /// The pty's master, where nsspec opened the pty itself (exec).
    var master: Int32?
}

extension Executor {
    func terminalStep(_ action: Action) throws {
        switch action {
        case .checkTerminal(let required):
            terminal.active = sys.isTerminal(0)
            if required && !terminal.active {
                throw RunFailure("process.terminal is true, but nsspec's standard input is not a terminal",
                                 hint: "run nsspec from a terminal, or set terminal: auto (a terminal when there is one) or false")
            }
        case .privateDevpts:
            guard terminal.active else { return }
            terminal.devpts = try sys.openDetachedDevpts()
        case .openTerminal:
            guard terminal.active else { return }
            let (master, slave) = try openPty()
            defer { sys.close(master) }
            guard let channel else { throw RunFailure("no channel to nsspec for the terminal") }
            try sys.send(.handoff(Self.terminalHandoff), passing: master, on: channel)
            terminal.slave = slave
        default:
            break
        }
    }

    static let terminalHandoff = "terminal"

    /// From the private devpts, else the one at /dev/pts (the table's: ptmxmode 0666); where that
    /// ptmx is closed (the host's devpts, mode 0, without a mount namespace), through /dev/ptmx,
    /// which the kernel ties to the devpts beside it.
    func openPty() throws -> (master: Int32, slave: Int32) {
        if let devpts = terminal.devpts {
            defer {
                sys.close(devpts)
                terminal.devpts = nil
            }
            return try sys.openPty(devpts: devpts)
        }
        let pts = try sys.open("/dev/pts", [.path, .directory])
        defer { sys.close(pts) }
        do {
            return try sys.openPty(devpts: pts)
        } catch let error as SystemError where error.errno == .EACCES {
            let dev = try sys.open("/dev", [.path, .directory])
            defer { sys.close(dev) }
            return try sys.openPty(devpts: dev)
        }
    }

    /// The parent's relay, from the moment the pty's master arrives until the process nsspec
    /// returns the status of (`target`) has ended: nsspec's terminal raw (restored on every way
    /// out), bytes copied both ways, the window size passed on at the start and on every
    /// SIGWINCH; failures reported on the channel meanwhile. The channel's end of file is no end:
    /// without a tiny init it comes at the process's exec.
    func relayTerminal(channel: Int32?, receivedMaster master: Int32, target: Int32) throws {
        defer { sys.close(master) }
        let exited = try sys.openPidfd(target)
        defer { sys.close(exited) }
        sys.copyWindowSize(from: 0, to: master)
        let winch = try sys.windowChangePipe()
        defer { sys.close(winch) }
        let saved = try sys.makeRaw(0)
        defer { sys.restoreTerminal(0, saved) }
        var inputOpen = true, masterOpen = true
        var watched: Int32? = channel
        while try sys.relay(input: 0, output: 1, master: master, winch: winch, channel: watched, exited: exited,
                            inputOpen: &inputOpen, masterOpen: &masterOpen) == .channelReadable {
            guard let channel, let received = try sys.receive(on: channel) else {
                watched = nil
                continue
            }
            if let fd = received.fd { sys.close(fd) }
            if case .failure(let code, let text) = received.message {
                if masterOpen { sys.drain(master: master, output: 1) }
                throw ReportedFailure(exitCode: code, text: text)
            }
        }
        if masterOpen { sys.drain(master: master, output: 1) }
    }
}
