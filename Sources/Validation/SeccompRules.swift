import Diagnostics
import SpecFormat

let seccompRules: [Rule] = [
    Rule("unknown-syscall", "names in seccomp allow and deny are Linux system calls") { spec, _ in
        guard let s = spec.process?.seccomp else { return [] }
        return (s.allow + s.deny).filter { !SyscallNames.set.contains($0.value) }.map { name in
            .error(
                "unknown-syscall",
                "unknown system call '\(name.value)'" + (syscallSuggestion(name.value).map { "; did you mean '\($0)'?" } ?? ""),
                at: name.location,
                hint: "names are written as in syscalls(2), without a prefix: ptrace, perf_event_open; "
                    + "nsspec knows the calls of \(SyscallNames.source)")
        }
    },
    Rule("seccomp-allow-deny-overlap", "no system call is both allowed and denied") { spec, _ in
        guard let s = spec.process?.seccomp else { return [] }
        var allowed: [String: SourceLocation] = [:]
        for name in s.allow.known where allowed[name.value] == nil { allowed[name.value] = name.location }
        var reported: Set<String> = []
        var out: [Diagnostic] = []
        for name in s.deny.known {
            guard let allow = allowed[name.value], reported.insert(name.value).inserted else { continue }
            // At whichever of the two comes second in the file, with a note at the first.
            let denyFirst = name.location < allow
            out.append(.error(
                "seccomp-allow-deny-overlap", "'\(name.value)' is both allowed and denied",
                at: denyFirst ? allow : name.location,
                notes: [.init(denyFirst ? "denied here" : "allowed here", at: denyFirst ? name.location : allow)],
                hint: "keep it in one list: allow lets it through the profile, deny refuses it with EPERM"))
        }
        return out
    },
    Rule("seccomp-duplicate-name", "a system call is listed at most once in allow and at most once in deny") { spec, _ in
        guard let s = spec.process?.seccomp else { return [] }
        var out: [Diagnostic] = []
        for (list, key) in [(s.allow, "allow"), (s.deny, "deny")] {
            var seen: [String: SourceLocation] = [:]
            for name in list.known {
                if let first = seen[name.value] {
                    out.append(.warning(
                        "seccomp-duplicate-name", "'\(name.value)' is listed twice in \(key)", at: name.location,
                        notes: [.init("first listed here", at: first)]))
                } else {
                    seen[name.value] = name.location
                }
            }
        }
        return out
    },
    Rule("seccomp-allow-unconfined", "allow is not used with profile unconfined, which denies nothing") { spec, _ in
        guard let s = spec.process?.seccomp, let profile = s.profile, profile.value == .unconfined,
              let first = s.allow.first else { return [] }
        return [.warning(
            "seccomp-allow-unconfined", "'allow' has no effect with profile unconfined: nothing is denied to allow back",
            at: first.location, notes: [.init("the profile is unconfined here", at: profile.location)],
            hint: "remove 'allow', or use profile: default; 'deny' alone makes a deny-list")]
    },
    Rule("nested-namespaces-unconfined", "nestedNamespaces: true is not used with seccomp unconfined, where it changes nothing") { spec, _ in
        guard let p = spec.process, let nested = p.nestedNamespaces, nested.value,
              let profile = p.seccomp?.profile, profile.value == .unconfined else { return [] }
        return [.warning(
            "nested-namespaces-unconfined",
            "nestedNamespaces: true has no effect with seccomp unconfined: there is no filter to let namespace calls through",
            at: nested.location, notes: [.init("seccomp is unconfined here", at: profile.location)],
            hint: "remove nestedNamespaces, or use the default profile, which lets namespace calls through only with it")]
    },
]

extension Array where Element == Located<String> {
    /// The names that are system calls; the others are `unknown-syscall` errors already.
    var known: [Located<String>] { filter { SyscallNames.set.contains($0.value) } }
}

/// The name meant by a near miss: `PTRACE`, `sys_ptrace`, `__NR_ptrace`, `SYS_ptrace` are
/// exact once lower-cased and stripped of the prefix; otherwise the closest by edit distance.
func syscallSuggestion(_ name: String) -> String? {
    var guess = Substring(name.lowercased())
    for prefix in ["__nr_", "sys_"] where guess.hasPrefix(prefix) {
        guess = guess.dropFirst(prefix.count)
    }
    if SyscallNames.set.contains(String(guess)) { return String(guess) }
    return Suggestion.closest(to: name, in: SyscallNames.all)
}
