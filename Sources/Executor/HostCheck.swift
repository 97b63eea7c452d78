import Diagnostics
import Planning
import System

/// The host checks of a plan without the run: `nsspec validate --host` and `nsspec doctor FILE`.
/// Each check is the very step `run` performs at preflight (`Executor.perform`), so the two can
/// never disagree; but where `run` stops at the first failure, this goes on and reports every
/// one, each as a diagnostic at the spec line of its step. Nothing is created: no process, no
/// namespace, no file; the checks read files, stat paths, ask rtnetlink about the host's links
/// and addresses, and compile the seccomp filter in memory.
extension Executor {
    /// Every host problem of the plan, in the plan's order.
    public func hostCheck() -> [Diagnostic] {
        var found: [Diagnostic] = []
        for (index, step) in plan.steps.enumerated() where step.stage == .preflight {
            guard let rule = Self.hostCheckRule(step.action) else { continue }
            do {
                _ = try perform(step, at: index)
            } catch {
                let failure = RunFailure(error, during: step)
                found.append(Diagnostic(rule.severity, rule: rule.id(failure), failure.cause, at: step.location,
                                        notes: failure.notes.map { .init($0.message, at: $0.location) }, hint: failure.hint))
            }
        }
        if let socket = network.socket {
            sys.close(socket)
            network.socket = nil
        }
        return found
    }

    /// The rule id and severity of a preflight action that checks the host and changes nothing;
    /// nil for the others (`runFromSealedCopy` re-execs nsspec).
    static func hostCheckRule(_ action: Action) -> HostCheckRule? {
        switch action {
        case .checkMapHelper: HostCheckRule("host-map-helper")
        case .checkSubordinateRange: HostCheckRule("host-subordinate-range")
        case .checkSource: HostCheckRule { $0.errno == .ENOENT ? "host-source-missing" : "host-source-unreadable" }
        case .checkTarget: HostCheckRule("host-mount-target")
        case .checkOverlay: HostCheckRule("host-overlay")
        case .checkNamespacePath: HostCheckRule("host-namespace-missing")
        case .checkNetworkAdmin: HostCheckRule("host-network-admin")
        case .checkHostInterface: HostCheckRule("host-interface-exists")
        case .checkHostAddresses: HostCheckRule("host-address-in-use")
        case .compileSeccomp: HostCheckRule("host-seccomp")
        case .checkPasta: HostCheckRule("host-pasta")
        case .checkTun: HostCheckRule("host-tun")
        case .checkHostPort: HostCheckRule { $0.errno == .EACCES ? "host-port-privileged" : "host-port-taken" }
        // Whether standard input is a terminal belongs to the invocation more than to the host:
        // a CI job checking an interactive spec is warned, not failed (`--strict` fails it).
        case .checkTerminal: HostCheckRule("host-terminal", severity: .warning)
        default: nil
        }
    }

    /// Every rule id `hostCheck` reports, for the docs' table and the tests.
    public static let hostCheckRuleIDs = [
        "host-map-helper", "host-subordinate-range", "host-source-missing", "host-source-unreadable", "host-mount-target",
        "host-network-admin", "host-interface-exists", "host-address-in-use", "host-seccomp", "host-terminal", "host-overlay", "host-namespace-missing",
        "host-pasta", "host-tun", "host-port-taken", "host-port-privileged",
    ]
}

struct HostCheckRule {
    var severity: Severity
    var id: (RunFailure) -> String

    init(_ id: String, severity: Severity = .error) {
        self.severity = severity
        self.id = { _ in id }
    }

    init(_ id: @escaping (RunFailure) -> String) {
        severity = .error
        self.id = id
    }
}

extension RunFailure {
    /// Any error a step threw, as a failure of that step.
    init(_ error: any Error, during step: Step) {
        switch error {
        case let failure as RunFailure: self = failure
        case let error as SystemError: self.init(error, during: step)
        case let reported as ReportedFailure: self.init(reported.text, exitCode: reported.exitCode)
        default: self.init("\(error)")
        }
    }
}
