import Planning
import System

extension Executor {
    /// The parent, once the sandbox is set up: forward signals to it, and read the report pipe
    /// for a failure, the process's status from a tiny PID 1, or end of file (every process of
    /// the sandbox has exec'd or exited); then return the status of PID 1 (nsspec's child
    /// through CLONE_PARENT), or of the child.
    func supervise() throws {
        let target = pids[.`init`] ?? pids[.child] ?? 0
        sys.forwardSignals(Self.forwardedSignals, to: target)
        endTiming()
        if let report, !options.simulated {
            while let message = try sys.receive(from: report.read) {
                switch message {
                case .failure(let code, let text):
                    throw ReportedFailure(exitCode: code, text: text)
                case .status(let code):
                    // As bubblewrap does: the status is known, so nsspec returns it now rather than
                    // after PID 1's exit (the teardown of its address space). PID 1 exits right
                    // after sending it, and dies with nsspec in any case (PR_SET_PDEATHSIG).
                    if let child = pids.child, pids.initProcess != nil { _ = try sys.waitpid(child) }
                    exitCode = code
                    return
                default:
                    break
                }
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
        if let report { try? sys.send(.status(code), to: report.write) }
        if !options.simulated { sys.exit(code) }
    }
}
