import Planning
import System

extension Executor {
    /// The parent, once the sandbox is set up: forward signals to it, wait for a failure report
    /// or end of file on the report pipe (every process of the sandbox has exec'd or exited),
    /// then return the child's status.
    func supervise() throws {
        let target = pids[.`init`] ?? pids[.child] ?? 0
        sys.forwardSignals(Self.forwardedSignals, to: target)
        endTiming()
        if let report, !options.simulated {
            while let message = try sys.receive(from: report.read) {
                if case .failure(let code, let text) = message { throw ReportedFailure(exitCode: code, text: text) }
            }
        }
        exitCode = try sys.waitpid(pids[.child] ?? 0).code
    }

    /// The child, when PID 1 of the sandbox is its own child: wait and pass its status on. It
    /// ignores the forwarded signals, which reach it too when they come from the terminal
    /// (same process group as nsspec), so that only the sandbox decides what they do.
    func relayStatus() throws {
        if let report { sys.close(report.write) }
        sys.ignoreSignals(Self.forwardedSignals)
        endTiming()
        let status = try sys.waitpid(pids[.`init`] ?? 0)
        if !options.simulated { sys.exit(status.code) }
    }

    /// A tiny PID 1: forward signals to the process, reap every child (orphans are reparented
    /// here), and exit with the process's status when it ends.
    func reapAndForward() throws {
        if let report { sys.close(report.write) }
        let process = pids.process ?? 0
        sys.forwardSignals(Self.forwardedSignals, to: process)
        endTiming()
        var code: Int32 = 0
        while let (pid, status) = try sys.waitAny() {
            if pid == process {
                code = status.code
                break
            }
        }
        if !options.simulated { sys.exit(code) }
    }
}
