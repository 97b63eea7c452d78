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
            do {
                try sys.setns(path: path, Self.cloneFlag(kind))
            } catch let error as SystemError where error.op == "setns" && (error.errno == .EPERM || error.errno == .EACCES) && kind != .user {
                throw joinRefused(action, path, error)
            }
        default: break
        }
    }

    /// The kernel's inode of the initial user namespace (PROC_USER_INIT_INO): user:[4026531837].
    static let initialUserNamespace: UInt64 = 0xEFFF_FFFD

    /// setns refused: a namespace is joined only with CAP_SYS_ADMIN over the user namespace that
    /// owns it. Which one that is (NS_GET_USERNS), and what to do about it. (With a new user
    /// namespace a join can never work, and `validate` refuses the spec: join-under-new-user.)
    func joinRefused(_ action: Action, _ path: String, _ error: SystemError) -> RunFailure {
        let joinedUser = plan.steps.first { if case .join(.user, _) = $0.action { true } else { false } }
        let owner = Result { try sys.namespaceOwner(path) }
        let ownerText: String
        switch owner {
        case .success(let o) where o.userNamespace == Self.initialUserNamespace:
            ownerText = "the initial user namespace (the host's own)"
        case .success(let o):
            ownerText = "user namespace user:[\(o.userNamespace)], made by uid \(o.uid)"
        case .failure:
            ownerText = "a user namespace outside this one (the host's own, or one of another user or process)"
        }
        let rule = "a namespace is joined only with CAP_SYS_ADMIN over the user namespace that owns it"
        let joinOwner = "join the user namespace that owns it too, listed before it in namespaces: {type: user, path: /proc/PID/ns/user} "
            + "of a process in it (`lsns -t user` lists them)"
        if case .join(.user, let userPath)? = joinedUser?.action {
            let mine = (try? sys.namespaceInode("/proc/self/ns/user")).map { " (user:[\($0)])" } ?? ""
            return RunFailure("\(action.summary): \(path) is owned by \(ownerText), not by the joined user namespace \(userPath)\(mine); \(rule)",
                              errno: error.errno, hint: "\(joinOwner), in place of \(userPath); or run as root without a user namespace")
        }
        let who = caller.privileged ? "nsspec's user namespace" : "uid \(caller.uid)"
        var hint: String
        switch owner {
        case .success(let o) where o.userNamespace == Self.initialUserNamespace:
            hint = "only root joins a namespace of the initial user namespace (`ip netns add` makes them so): run nsspec as root"
        case .success(let o) where o.uid == caller.uid:
            hint = "it belongs to a user namespace of yours: \(joinOwner)"
        case .success(let o):
            hint = "run nsspec as root, or as uid \(o.uid), who made its user namespace, and \(joinOwner)"
        case .failure:
            hint = "run nsspec as root, or \(joinOwner)"
        }
        return RunFailure("\(action.summary): \(path) is owned by \(ownerText), over which \(who) has no CAP_SYS_ADMIN; \(rule)",
                          errno: error.errno, hint: hint)
    }
}
