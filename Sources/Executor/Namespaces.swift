import Planning
import SpecFormat
import System

extension Executor {
    static func cloneFlag(_ kind: NamespaceKind) -> CloneFlags {
        switch kind {
        case .user: .newUser
        case .mount: .newNS
        case .uts: .newUTS
        case .ipc: .newIPC
        case .pid: .newPID
        case .net: .newNet
        case .cgroup: .newCgroup
        case .time: .newTime
        }
    }

    /// Create or join one namespace. The child is single-threaded here (nothing before it
    /// started a thread), which unshare(CLONE_NEWUSER) requires.
    func namespace(_ action: Action) throws {
        switch action {
        case .unshare(.user):
            try makingUserNamespace { try sys.unshare(.newUser) }
        case .unshare(let kind):
            try sys.unshare(Self.cloneFlag(kind))
        case .join(let kind, let path):
            try sys.setns(path: path, Self.cloneFlag(kind))
        default: break
        }
    }
}
