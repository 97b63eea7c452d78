import SpecFormat
import SyscallFilter

/// What the spec asks of the filter: the few inputs the filters follow from. A launch keys its
/// cache of compiled filters on these (and `SeccompProfiles.version`), so that on a hit the
/// profile is never expanded: expanding it costs ~0.2 M instructions.
public struct SeccompPolicy: Sendable, Equatable {
    public var profile: Seccomp.Profile
    /// Names allowed back, as the spec lists them.
    public var allow: [String]
    /// Names denied, each once, sorted.
    public var deny: [String]
    /// The capabilities the process keeps, as the spec lists them.
    public var capabilities: [String]
    public var nestedNamespaces: Bool

    public init(profile: Seccomp.Profile, allow: [String], deny: [String], capabilities: [String], nestedNamespaces: Bool) {
        self.profile = profile
        self.allow = allow
        self.deny = deny
        self.capabilities = capabilities
        self.nestedNamespaces = nestedNamespaces
    }

    /// The filters, their names and counts.
    public var expanded: SeccompPlan { SeccompProfiles.expand(self) }
}

/// The system-call filters of a policy: `plan` shows them, the parent compiles them (on a cache
/// miss) before any fork, the sandbox loads them last.
public struct SeccompPlan: Sendable, Equatable {
    public var profile: Seccomp.Profile
    /// Loaded in this order. Filters stack: for each call the strictest answer of all wins, so
    /// the second (allow by default) can refuse what the first allows (an ioctl request, a
    /// socket family).
    public var filters: [Filter]
    /// Names allowed whatever their arguments.
    public var allowed: [String]
    /// Names allowed only with some arguments, or refused with some.
    public var conditional: [String]
    /// Names refused with ENOSYS.
    public var notImplemented: [String]
    /// Names the spec denies (with EPERM).
    public var denied: [String]
}

/// The `default` profile: an allow-list after Docker's (moby/profiles seccomp/default.json, see
/// ../shared/reference/SECCOMP.md); a call not listed fails with EPERM, so a call added to the
/// kernel later is denied. Stricter in places: no kernel keyring calls, no TIOCSTI or TIOCLINUX,
/// no other ABI of the architecture, no ptrace without CAP_SYS_PTRACE, no namespaces of the
/// sandbox's own unless the spec asks for them.
public enum SeccompProfiles {
    /// Allowed whatever the spec keeps (Docker's unconditional list without add_key, keyctl and
    /// request_key: a sandbox's keys count against its caller's quota).
    public static let allowed: [String] = [
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset", "chdir",
        "chmod", "chown", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
        "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
        "faccessat", "faccessat2", "fadvise64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2",
        "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
        "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_requeue", "futex_wait", "futex_waitv",
        "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid",
        "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
        "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
        "get_thread_area", "gettid", "gettimeofday", "getuid", "getxattr", "getxattrat", "inotify_add_watch",
        "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
        "io_pgetevents", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule",
        "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat", "listen",
        "listmount", "listxattr", "listxattrat", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise",
        "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
        "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
        "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
        "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat",
        "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
        "pkey_mprotect", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
        "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv",
        "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat",
        "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
        "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
        "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
        "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
        "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "sendfile",
        "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer", "setpgid",
        "setpriority", "setregid", "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list", "setsid",
        "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setxattr", "setxattrat", "shmat", "shmctl",
        "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "socket", "socketpair", "splice", "stat",
        "statfs", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
        "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
        "timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink",
        "unlinkat", "uretprobe", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
        "write", "writev",
        // x86_64
        "arch_prctl", "modify_ldt",
    ]

    /// Allowed when the spec keeps the capability (the kernel would ask for it anyway; the
    /// filter keeps the code behind them out of reach otherwise).
    public static let byCapability: [(capability: String, names: [String])] = [
        ("CAP_SYS_ADMIN", ["bpf", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
                           "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount", "mount_setattr",
                           "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname",
                           "sethostname", "syslog", "umount", "umount2", "pivot_root"]),
        ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
        ("CAP_SYS_BOOT", ["reboot"]),
        ("CAP_SYS_CHROOT", ["chroot"]),
        ("CAP_SYS_MODULE", ["delete_module", "init_module", "finit_module"]),
        ("CAP_SYS_PACCT", ["acct"]),
        ("CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"]),
        ("CAP_SYS_RAWIO", ["iopl", "ioperm"]),
        ("CAP_SYS_TIME", ["settimeofday", "stime", "clock_settime"]),
        ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
        ("CAP_SYS_NICE", ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"]),
        ("CAP_SYSLOG", ["syslog"]),
        ("CAP_BPF", ["bpf"]),
        ("CAP_PERFMON", ["perf_event_open"]),
    ]

    /// Namespaces of the sandbox's own: with `nestedNamespaces: true` or CAP_SYS_ADMIN kept.
    public static let namespaceCalls = ["unshare", "setns"]
    /// clone's CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID and NEWNET.
    static let cloneNamespaceFlags: UInt64 = 0x7E02_0000
    /// The harmless personalities (Docker's): the default, UNAME26, ADDR_NO_RANDOMIZE and both,
    /// and 0xffffffff (a query).
    static let personalities: [UInt64] = [0, 0x8, 0x20000, 0x20008, 0xFFFF_FFFF]
    static let TIOCSTI: UInt64 = 0x5412, TIOCLINUX: UInt64 = 0x541C, AF_VSOCK: UInt64 = 40
    static let low32: UInt64 = 0xFFFF_FFFF

    /// The version of the profile's lists and rules: cached filters are keyed on it (with the
    /// policy), so it changes whenever they do (SeccompTests pins a hash of them to it).
    public static let version = 1

    /// The policy of `seccomp` for a process keeping `capabilities`; nil when nothing is filtered.
    public static func policy(_ seccomp: Seccomp?, capabilities: [String], nestedNamespaces: Bool) -> SeccompPolicy? {
        let profile = seccomp?.profile?.value ?? .default
        var deny: [String] = []
        for name in seccomp?.deny ?? [] where !deny.contains(name.value) { deny.append(name.value) }
        deny.sort()
        if profile == .unconfined && deny.isEmpty { return nil }
        return SeccompPolicy(profile: profile, allow: seccomp?.allow.map(\.value) ?? [], deny: deny, capabilities: capabilities,
                             nestedNamespaces: nestedNamespaces)
    }

    /// The filters of a policy. Arrays in a fixed order, not sets: hashing ~300 strings into
    /// sets cost ~0.8 M instructions (callgrind).
    static func expand(_ policy: SeccompPolicy) -> SeccompPlan {
        let profile = policy.profile, deny = policy.deny, allowBack = policy.allow, capabilities = policy.capabilities
        if profile == .unconfined {
            return SeccompPlan(profile: profile, filters: [Filter(defaultAction: .allow, rules: deny.map { FilterRule($0, .deny) })],
                               allowed: [], conditional: [], notImplemented: [], denied: deny)
        }
        // The allow-list: the profile's names, then those of the capabilities kept, of nested
        // namespaces and the spec's own, each once, less what the spec denies.
        var extra: [String] = []
        func add(_ name: String) { if !extra.contains(name) && !allowed.contains(name) { extra.append(name) } }
        for (capability, names) in byCapability where capabilities.contains(capability) { names.forEach(add) }
        let nested = policy.nestedNamespaces || capabilities.contains("CAP_SYS_ADMIN")
        if nested { (namespaceCalls + ["clone", "clone3"]).forEach(add) }
        allowBack.forEach(add)
        var names = allowed + extra
        if !deny.isEmpty { names.removeAll { deny.contains($0) } }
        func isAllowed(_ name: String) -> Bool { names.contains(name) }
        func restricted(_ name: String) -> Bool { !isAllowed(name) && !deny.contains(name) }

        var rules = names.map { FilterRule($0, .allow) }
        var conditional: [String] = []
        var notImplemented: [String] = []
        if restricted("clone") {
            // No namespace flags: glibc's fork, posix_spawn and threads still work.
            rules.append(FilterRule("clone", .allow, [ArgumentCondition(argument: 0, mask: cloneNamespaceFlags, equals: 0)]))
            conditional.append("clone")
        }
        if restricted("clone3") {
            // Its flags sit in memory the filter cannot read: ENOSYS, and glibc falls back to clone.
            rules.append(FilterRule("clone3", .notImplemented))
            notImplemented.append("clone3")
        }
        if restricted("personality") {
            for value in personalities {
                rules.append(FilterRule("personality", .allow, [ArgumentCondition(argument: 0, mask: low32, equals: value)]))
            }
            conditional.append("personality")
        }
        var filters = [Filter(defaultAction: .deny, rules: rules)]
        // What the first filter allows, but not with these arguments.
        var refusals: [FilterRule] = []
        if isAllowed("ioctl") && !allowBack.contains("ioctl") {
            for request in [TIOCSTI, TIOCLINUX] {
                refusals.append(FilterRule("ioctl", .deny, [ArgumentCondition(argument: 1, mask: low32, equals: request)]))
            }
            conditional.append("ioctl")
        }
        if isAllowed("socket") && !allowBack.contains("socket") {
            refusals.append(FilterRule("socket", .deny, [ArgumentCondition(argument: 0, mask: low32, equals: AF_VSOCK)]))
            conditional.append("socket")
        }
        if !refusals.isEmpty { filters.append(Filter(defaultAction: .allow, rules: refusals)) }
        conditional.sort()
        return SeccompPlan(profile: profile, filters: filters, allowed: names.filter { !conditional.contains($0) },
                           conditional: conditional, notImplemented: notImplemented, denied: deny)
    }
}
