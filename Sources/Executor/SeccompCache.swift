import Planning
import System

/// Compiled seccomp programs, cached: libseccomp takes ~1.5 ms to build and compile the default
/// profile, which is most of a launch. A program depends only on the policy (profile, allow,
/// deny, capabilities kept, nested namespaces), the profile's version, the architecture and
/// libseccomp's version: the entry's key (CacheStore checks it, and the entry's tag, on read).
extension Executor {
    static let seccompCacheFormat = "nsspec seccomp cache 2"

    func seccompPrograms(_ policy: SeccompPolicy) throws -> [[UInt8]] {
        let key = Self.seccompKey(policy, compiler: sys.seccompCompilerIdentity())
        let name = CacheStore.entryName("seccomp-", key, ".bpf")
        if let cache, let payload = cache.read(name, kind: .seccomp, key: key),
           let programs = Self.decodeSeccompPrograms(payload) {
            return programs
        }
        // A miss: only now is the profile expanded and compiled.
        let programs = try policy.expanded.filters.map { try sys.compileSeccomp($0) }
        cache?.write(name, kind: .seccomp, key: key, payload: Self.encodeSeccompPrograms(programs))
        return programs
    }

    static func seccompKey(_ policy: SeccompPolicy, compiler: String) -> [UInt8] {
        var key = CacheKey(seccompCacheFormat)
        key.text(compiler)
        key.number(UInt64(SeccompProfiles.version))
        key.text(policy.profile.rawValue)
        key.list(policy.allow)
        key.list(policy.deny)
        key.list(policy.capabilities)
        key.number(policy.nestedNamespaces ? 1 : 0)
        return key.bytes
    }

    /// count (4 bytes), then each program's length (4) and bytes.
    static func encodeSeccompPrograms(_ programs: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        CacheStore.appendLength(programs.count, to: &out)
        for program in programs {
            CacheStore.appendLength(program.count, to: &out)
            out += program
        }
        return out
    }

    static func decodeSeccompPrograms(_ bytes: [UInt8]) -> [[UInt8]]? {
        var offset = 0
        func take() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            var value = 0
            for i in 0..<4 { value |= Int(bytes[offset + i]) << (8 * i) }
            offset += 4
            return value
        }
        guard let count = take(), count > 0, count <= 8 else { return nil }
        var programs: [[UInt8]] = []
        for _ in 0..<count {
            guard let length = take(), length > 0, length % 8 == 0, length <= 65536, offset + length <= bytes.count else { return nil }
            programs.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        return offset == bytes.count ? programs : nil
    }
}
