import Testing
import Validation

/// The generated list of system call names (Sources/Validation/SyscallNames.swift).
@Suite struct SyscallNamesTests {
    @Test func sortedWithoutDuplicates() {
        #expect(SyscallNames.all == SyscallNames.all.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(SyscallNames.set.count == SyscallNames.all.count)
        #expect(SyscallNames.all.count > 300)
        #expect(SyscallNames.all.allSatisfy { name in
            !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        })
    }

    /// The calls the default profile and docs/spec-v1.md talk about are all there.
    @Test func holdsTheCallsTheProfileTalksAbout() {
        let named = [
            "ptrace", "clone", "clone3", "unshare", "setns", "mount", "umount2", "pivot_root", "keyctl", "add_key",
            "request_key", "ioctl", "bpf", "perf_event_open", "clock_settime", "settimeofday", "io_uring_setup",
            "userfaultfd", "kexec_load", "open_by_handle_at", "personality", "socket", "execve", "exit_group",
            "arch_prctl", "open", "newfstatat", "fchmodat2", "sethostname",
        ]
        #expect(named.filter { !SyscallNames.set.contains($0) } == [])
    }

    /// Only x86_64 and aarch64: the i386 multiplexers are not names a spec can use.
    @Test func onlyTheTwoArchitectures() {
        #expect(!SyscallNames.set.contains("socketcall"))
        #expect(!SyscallNames.set.contains("ipc"))
        #expect(SyscallNames.source.hasPrefix("libseccomp "))
    }
}
