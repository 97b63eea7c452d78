import Planning
import System

extension Executor {
    /// The signals nsspec passes on to the sandbox (DESIGN §3.10).
    static let forwardedSignals: [Signal] = [.SIGINT, .SIGTERM, .SIGHUP, .SIGQUIT, .SIGUSR1, .SIGUSR2, .SIGWINCH]

    /// The parent, once the sandbox is set up: forward signals to it, wait for a failure report
    /// or end of file on the channel (every process of the sandbox has exec'd or exited), reap
    /// the processes with nothing left to do, then take the status of `statusOf`.
    func supervise(statusOf: Actor, reap: [Actor]) throws {
        guard let target = pids[statusOf] else { throw RunFailure("the \(statusOf.rawValue)'s pid is unknown") }
        // With a terminal, a resize is the pty's to signal (TIOCSWINSZ), not nsspec's to forward.
        sys.forwardSignals(terminal.active ? Self.forwardedSignals.filter { $0 != .SIGWINCH } : Self.forwardedSignals, to: target)
        endTiming()
        if let channel {
            while let received = try sys.receive(on: channel) {
                if case .handoff(Self.terminalHandoff) = received.message, let master = received.fd, terminal.active {
                    started?(target)
                    started = nil
                    try relayTerminal(channel: channel, receivedMaster: master, target: target)
                    break
                }
                if let fd = received.fd { sys.close(fd) }
                if case .handoff(let text) = received.message, text.hasPrefix(Self.processStarted) {
                    startedNamespaces = text.split(separator: " ").dropFirst().compactMap { word in
                        guard let eq = word.firstIndex(of: "="), let inode = UInt64(word[word.index(after: eq)...]) else { return nil }
                        return (String(word[..<eq]), inode)
                    }
                    started?(target)
                    started = nil
                }
                if case .failure(let code, let text) = received.message { throw ReportedFailure(exitCode: code, text: text) }
            }
        }
        started?(target)
        for actor in reap {
            if let pid = pids[actor] { _ = try sys.waitpid(pid) }
        }
        exitCode = try sys.waitpid(target).code
        try stopPasta()
        undo = []
        ended?(exitCode)
    }

    /// A tiny PID 1: forward signals to the process, reap every child (orphans are reparented
    /// here), and end with the process's status when it ends. It keeps its end of the channel,
    /// to report a failure: the parent reads end of file when it exits.
    func reapAndForward() throws -> Int32 {
        guard let process = pids.process else { throw RunFailure("no process to wait for") }
        sys.forwardSignals(Self.forwardedSignals, to: process)
        endTiming()
        while let (pid, status) = try sys.waitAny() {
            if pid == process { return status.code }
        }
        return 0
    }
}
