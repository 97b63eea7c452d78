import Diagnostics

/// Words from other tools that users write for nsspec's: Docker, OCI, bubblewrap and fstab say
/// `src`/`dst`, `ro`, `network`, `mnt`. Too far from nsspec's word for an edit-distance guess, so
/// they are suggested from this table — only where the word they stand for is allowed.
enum Synonyms {
    static let table: [String: String] = [
        // mapping keys
        "src": "source", "from": "source", "hostPath": "source", "host_path": "source",
        "dst": "target", "dest": "target", "destination": "target", "mountpoint": "target",
        "mountPoint": "target", "to": "target", "containerPath": "target",
        "ro": "readonly", "readOnly": "readonly", "read_only": "readonly", "read-only": "readonly",
        "command": "args", "cmd": "args", "argv": "args", "entrypoint": "args",
        "workdir": "cwd", "workDir": "cwd", "working_dir": "cwd", "workingDir": "cwd", "chdir": "cwd",
        "environment": "env", "envs": "env", "variables": "env",
        "caps": "capabilities", "cap_add": "capabilities", "capAdd": "capabilities",
        "user": "uid", "group": "gid", "supplementaryGroups": "groups", "additionalGids": "groups",
        "uidmap": "uidMap", "uid_map": "uidMap", "uidMappings": "uidMap",
        "gidmap": "gidMap", "gid_map": "gidMap", "gidMappings": "gidMap",
        "hostId": "outside", "containerId": "inside", "size": "count",
        "tty": "terminal", "no_new_privileges": "noNewPrivileges", "noNewPrivs": "noNewPrivileges",
        "volumes": "mounts",
        // network.userMode: the words of pasta, slirp4netns, Podman and Docker
        "pasta": "userMode", "passt": "userMode", "slirp": "userMode", "slirp4netns": "userMode",
        "usernet": "userMode", "userNetwork": "userMode",
        "publish": "ports", "published": "ports", "portForwards": "ports", "portForwarding": "ports",
        "forward": "ports", "forwards": "ports", "expose": "ports", "portMappings": "ports", "portmap": "ports",
        "hostPort": "host", "host_port": "host", "containerPort": "inside", "container_port": "inside",
        "hostIP": "hostAddress", "hostIp": "hostAddress", "host_ip": "hostAddress", "bindAddress": "hostAddress",
        "proto": "protocol",
        "egress": "outbound", "internet": "outbound", "outgoing": "outbound",
        "allowHostLoopback": "hostLoopback", "allow_host_loopback": "hostLoopback", "hostLocalhost": "hostLoopback",
        "resolvConf": "dns", "resolv.conf": "dns", "resolver": "dns", "nameserver": "dns",
        // words in a set
        "network": "net", "netns": "net", "mnt": "mount", "mountns": "mount", "hostname": "uts",
        "utsname": "uts", "pidns": "pid", "userns": "user", "cgroupns": "cgroup", "sysvipc": "ipc",
        "directory": "dir", "mkdir": "dir", "folder": "dir", "link": "symlink", "ln": "symlink",
        "sys": "sysfs", "devfs": "dev", "pts": "devpts", "rbind": "bind", "tmp": "tmpfs",
        "none": "tmpfs", "empty": "tmpfs", "/": "host",
        "current": "self", "me": "self", "caller": "self", "subuid": "subordinate", "subgid": "subordinate",
    ]

    /// "; did you mean 'x'?" for `word` among `candidates`: the synonym when it is one of them,
    /// else the nearest by spelling; "" when nothing is close.
    static func didYouMean(_ word: String, in candidates: [String]) -> String {
        meant(word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// The word among `candidates` that `word` stands for, if any.
    static func meant(_ word: String, in candidates: [String]) -> String? {
        if let meant = table[word], candidates.contains(meant) { return meant }
        return Suggestion.closest(to: word, in: candidates)
    }
}
