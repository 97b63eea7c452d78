import CLinux
import CSeccomp
import Glibc
import SyscallFilter

extension FilterAction {
    /// libseccomp's action value.
    var raw: UInt32 {
        switch self {
        case .allow: SCMP_ACT_ALLOW
        case .deny: 0x0005_0000 | UInt32(Errno.EPERM.rawValue)  // SCMP_ACT_ERRNO(EPERM)
        case .notImplemented: 0x0005_0000 | UInt32(Errno.ENOSYS.rawValue)
        }
    }
}

/// libseccomp, behind `LinuxSystemCalls.compileSeccomp`: compiles a filter to classic BPF.
enum SeccompCompiler {
    /// "audit arch 0xc000003e, libseccomp 2.5.4": what a compiled program depends on besides
    /// the filter.
    static var identity: String {
        let v = seccomp_version()
        return "audit arch 0x\(String(seccomp_arch_native(), radix: 16)), libseccomp \(v?.pointee.major ?? 0).\(v?.pointee.minor ?? 0).\(v?.pointee.micro ?? 0)"
    }

    static func compile(_ filter: Filter) throws -> [UInt8] {
        guard let ctx = seccomp_init(filter.defaultAction.raw) else { throw SystemError("seccomp_init", "", errno: .ENOMEM) }
        defer { seccomp_release(ctx) }
        // Another ABI of this architecture gets what an unlisted call gets, not libseccomp's
        // default (kill the thread).
        var rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, filter.defaultAction.raw)
        if rc < 0 { throw SystemError("seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH", errno: Errno(-rc)) }
        // A binary tree over the call numbers instead of a linear chain (libseccomp 2.5+).
        _ = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        for rule in filter.rules {
            let nr = seccomp_syscall_resolve_name(rule.name)
            if nr == __NR_SCMP_ERROR { continue }  // not a call of this architecture
            let conditions = rule.conditions.map { c in
                c.mask == ~0 ? scmp_arg_cmp(arg: c.argument, op: SCMP_CMP_EQ, datum_a: c.value, datum_b: 0)
                    : scmp_arg_cmp(arg: c.argument, op: SCMP_CMP_MASKED_EQ, datum_a: c.mask, datum_b: c.value)
            }
            rc = conditions.withUnsafeBufferPointer {
                seccomp_rule_add_array(ctx, rule.action.raw, nr, UInt32($0.count), $0.baseAddress)
            }
            if rc < 0 { throw SystemError("seccomp_rule_add", "\(rule.name) \(rule.action)", errno: Errno(-rc)) }
        }
        let fd = nss_memfd("nsspec-seccomp")
        if fd < 0 { throw SystemError("memfd_create", "", errno: .current) }
        defer { Glibc.close(fd) }
        rc = seccomp_export_bpf(ctx, fd)
        if rc < 0 { throw SystemError("seccomp_export_bpf", "", errno: Errno(-rc)) }
        let size = Int(lseek(fd, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: max(size, 0))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard size > 0, n == size, size % 8 == 0 else { throw SystemError("seccomp_export_bpf", "read back \(n) of \(size) bytes", errno: .EIO) }
        return bytes
    }
}
