import CLinux
import Planning
import SpecFormat

extension Executor {
    static func cloneFlag(_ kind: NamespaceKind) -> Int32 {
        switch kind {
        case .user: nss_CLONE_NEWUSER
        case .mount: nss_CLONE_NEWNS
        case .uts: nss_CLONE_NEWUTS
        case .ipc: nss_CLONE_NEWIPC
        case .pid: nss_CLONE_NEWPID
        case .net: nss_CLONE_NEWNET
        case .cgroup: nss_CLONE_NEWCGROUP
        case .time: nss_CLONE_NEWTIME
        }
    }

    /// Create or join one namespace. The child is single-threaded here (nothing before it
    /// started a thread), which unshare(CLONE_NEWUSER) requires.
    func namespace(_ action: Action) throws {
        switch action {
        case .unshare(.user):
            try makingUserNamespace { try sys.unshare(nss_CLONE_NEWUSER) }
        case .unshare(let kind):
            try sys.unshare(Self.cloneFlag(kind))
            // Like pid, a new time namespace is entered by children only; without a pid fork
            // to carry the sandbox into it, enter it now.
            if kind == .time && !plan.steps.contains(where: { $0.action == .unshare(.pid) }) {
                try sys.setns(path: "/proc/self/ns/time_for_children", flags: nss_CLONE_NEWTIME)
            }
        case .join(let kind, let path):
            try sys.setns(path: path, flags: Self.cloneFlag(kind))
        default: break
        }
    }
}
