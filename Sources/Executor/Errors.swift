import Planning
import SpecFormat
import System

/// Hints for the errors where the kernel's errno says little about the cause.
enum Hints {
    static func hint(for error: SystemError, in step: Step) -> String? {
        switch (step.action, error.errno) {
        case (.writeMap(let kind, _, false, _), .EPERM):
            return "unprivileged users may map only their own \(kind.rawValue), once; install new\(kind.rawValue)map "
                + "(apt install uidmap) and give the user a range in /etc/sub\(kind.rawValue), or map `self`"
        case (.writeMap(let kind, _, true, _), _):
            return "new\(kind.rawValue)map refused the map; check the caller's range in /etc/sub\(kind.rawValue)"
        case (.writeSetgroups, _):
            return "setgroups must be written before gid_map, by a process outside the namespace"
        case (.clone, .EPERM), (.clone, .EACCES):
            return "creating these namespaces needs CAP_SYS_ADMIN (run as root, or add `user` to namespaces); "
                + "for a rootless run, user namespaces may be restricted on this host (kernel.unprivileged_userns_clone, "
                + "kernel.apparmor_restrict_unprivileged_userns, or a seccomp filter of the caller)"
        case (.clone, .ENOSPC), (.clone, .EUSERS):
            return "a limit on namespaces is reached: see the user.max_*_namespaces sysctls"
        case (.clone, .EINVAL):
            return "the kernel refused this combination of namespaces (clone EINVAL: a user namespace under chroot?)"
        case (.unshare(.user), .EINVAL):
            return "unshare(CLONE_NEWUSER) fails with EINVAL in a multithreaded process (or under chroot)"
        case (.unshare(.user), .EPERM), (.unshare(.user), .EACCES):
            return "user namespaces are restricted on this host: check sysctl kernel.unprivileged_userns_clone, "
                + "kernel.apparmor_restrict_unprivileged_userns, or a seccomp filter of the caller (a container?)"
        case (.unshare, .ENOSPC), (.unshare(.user), .EUSERS):
            return "the limit on namespaces is reached: sysctl user.max_\(nsName(step))_namespaces"
        case (.unshare, .EPERM):
            return "creating a namespace needs CAP_SYS_ADMIN: run as root, or add `user` to namespaces"
        case (.join, .EPERM):
            return "joining a namespace needs CAP_SYS_ADMIN over it; a new user namespace does not own the host's namespaces"
        case (.join, .ENOENT):
            return "there is no namespace at that path; a named network namespace is made with `ip netns add NAME`"
        case (.join, .EINVAL):
            return "the path is not a namespace of this type"
        case (.sysfs, .EPERM):
            return "in a user namespace the kernel mounts sysfs only with a new net namespace"
        case (.proc, .EPERM):
            return "in a user namespace the kernel mounts proc only with a new pid namespace, and only while a full proc is visible"
        case (.bind, .EPERM), (.readonlyPaths, .EPERM), (.remountRootReadonly, .EPERM), (.bindRoot, .EPERM):
            return "in a user namespace the kernel refuses to clear flags the host locked on a mount (ro, nosuid, nodev, noexec)"
        case (.tmpfs, .EINVAL), (.mountRootTmpfs, .EINVAL):
            return "the kernel rejected the tmpfs options (size, mode)"
        case (.createVeth, .EEXIST):
            return "an interface of that name appeared on the host after preflight (another run?); choose another host name"
        case (.createVeth, .EPERM):
            return "creating a veth needs CAP_NET_ADMIN in the host's network namespace"
        case (.addRoute, .EEXIST):
            return "the kernel has this route already: adding an address adds the route to its own subnet"
        case (.addRoute, .ENETUNREACH):
            return "the next hop is not reachable through the interface's addresses"
        case (.addAddress, .EEXIST):
            return "the interface has this address already"
        case (.loopbackUp, .EPERM):
            return "bringing lo up needs CAP_NET_ADMIN in the sandbox's net namespace"
        case (.setRlimit, .EPERM):
            return "raising a hard limit above the caller's needs CAP_SYS_RESOURCE in the host's user namespace"
        case (.setGroups, .EPERM):
            return "setgroups is denied in this user namespace; `setgroups: allow` needs a gid map written by newgidmap or root"
        case (.loadSeccomp, .EACCES):
            return "a process loads a seccomp filter only with no_new_privs or CAP_SYS_ADMIN in its user namespace"
        case (.loadSeccomp, .EINVAL):
            return "the kernel refused the filter (is CONFIG_SECCOMP_FILTER set?); `seccomp: unconfined` runs without one"
        case (.newSessionKeyring, .EDQUOT):
            return "the caller's key quota is full (see /proc/key-users); each sandbox's session keyring counts against it"
        case (.adoptMappedID(let kind, _, let to), _):
            return "the sandbox takes \(kind.rawValue) \(to) because the \(kind.rawValue) map leaves the caller's own out; "
                + "it needs CAP_SET\(kind == .uid ? "UID" : "GID") in its new user namespace and \(to) mapped, "
                + "or map `self` to keep the caller's id"
        case (.setUid, .EINVAL), (.setGid, .EINVAL):
            return "the id is not mapped in the user namespace; add it to uidMap/gidMap"
        default:
            return nil
        }
    }

    private static func nsName(_ step: Step) -> String {
        if case .unshare(let kind) = step.action { return kind == .mount ? "mnt" : kind.rawValue }
        return "user"
    }
}
