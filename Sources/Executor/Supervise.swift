import Planning
import System

extension Executor {
    /// The parent, once the sandbox is set up: forward signals to it, wait for a failure report
    /// or end of file on the report pipe (every process of the sandbox has exec'd or exited),
    /// then return the status of PID 1 (nsspec's child through CLONE_PARENT), or of the child.
    func supervise() throws {
        let target = pids[.`init`] ?? pids[.child] ?? 0
        sys.forwardSignals(Self.forwardedSignals, to: target)
        endTiming()
        if let report, !options.simulated {
            while let message = try sys.receive(from: report.read) {
                if case .failure(let code, let text) = message { throw ReportedFailure(exitCode: code, text: text) }
            }
        }
        if let initProcess = pids.initProcess {
            if let child = pids.child { _ = try sys.waitpid(child) }  // it exited once PID 1 existed
            exitCode = try sys.waitpid(initProcess).code
        } else if let child = pids.child {
            exitCode = try sys.waitpid(child).code
        }
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
