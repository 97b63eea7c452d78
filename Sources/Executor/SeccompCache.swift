import Planning
import System

/// Compiled seccomp programs, cached: libseccomp takes ~1.5 ms to build and compile the default
/// profile, which is most of a launch. A program depends only on the policy (profile, allow,
/// deny, capabilities kept, nested namespaces), the profile's version, the architecture and
/// libseccomp's version, so it is kept under `$XDG_CACHE_HOME/nsspec` (or
/// `$HOME/.cache/nsspec`), in a directory only the caller may change, keyed by a hash of all
/// of these, and checked when read: the key again, the lengths, a checksum. Anything that does
/// not check out is compiled anew and the entry replaced; a cache that cannot be written is no
/// error. (The kernel checks a program too when it is loaded.)
extension Executor {
    static let seccompCacheFormat = "nsspec seccomp cache 1"

    func seccompPrograms(_ policy: SeccompPolicy) throws -> [[UInt8]] {
        let key = Self.seccompKey(policy, compiler: sys.seccompCompilerIdentity())
        let file = seccompCacheDirectory().map { "\($0)/seccomp-\(String(key, radix: 16)).bpf" }
        if let file, let contents = try? sys.readFile(.path(file), limit: 1 << 20),
           let programs = Self.decodeSeccompCache(contents.bytes, key: key) {
            return programs
        }
        // A miss: only now is the profile expanded and compiled.
        let programs = try policy.expanded.filters.map { try sys.compileSeccomp($0) }
        if let file { try? sys.replaceFile(file, with: Self.encodeSeccompCache(programs, key: key)) }
        return programs
    }

    /// The caller's cache directory for nsspec, made private if missing; nil when there is none.
    func seccompCacheDirectory() -> String? {
        var home: String?, xdg: String?
        for entry in sys.environment() {
            if entry.hasPrefix("XDG_CACHE_HOME=/") { xdg = String(entry.dropFirst(15)) }
            if entry.hasPrefix("HOME=/") { home = String(entry.dropFirst(5)) }
        }
        guard let base = xdg ?? home.map({ $0 + "/.cache" }) else { return nil }
        let dir = base + "/nsspec"
        if sys.privateDirectory(dir) { return dir }
        // Only on a first run: ~/.cache itself may be missing (not a syscall on every launch).
        guard xdg == nil, (try? sys.mkdir(base, mode: 0o700)) != nil else { return nil }
        return sys.privateDirectory(dir) ? dir : nil
    }

    /// FNV-1a over the format, the compiler, the profile's version and the policy.
    static func seccompKey(_ policy: SeccompPolicy, compiler: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func byte(_ b: UInt8) { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        func text(_ t: String) {
            for b in t.utf8 { byte(b) }
            byte(0)
        }
        func number(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
        func list(_ names: [String]) {
            number(UInt64(names.count))
            for name in names { text(name) }
        }
        text(seccompCacheFormat)
        text(compiler)
        number(UInt64(SeccompProfiles.version))
        text(policy.profile.rawValue)
        list(policy.allow)
        list(policy.deny)
        list(policy.capabilities)
        byte(policy.nestedNamespaces ? 1 : 0)
        return hash
    }

    /// key (8 bytes), count (4), then each program's length (4) and bytes, then a checksum (8):
    /// FNV-1a of everything before it.
    static func encodeSeccompCache(_ programs: [[UInt8]], key: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ value: UInt64, _ bytes: Int) { for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) } }
        put(key, 8)
        put(UInt64(programs.count), 4)
        for program in programs {
            put(UInt64(program.count), 4)
            out += program
        }
        put(checksum(out[...]), 8)
        return out
    }

    static func decodeSeccompCache(_ bytes: [UInt8], key: UInt64) -> [[UInt8]]? {
        var offset = 0
        func take(_ n: Int) -> UInt64? {
            guard offset + n <= bytes.count else { return nil }
            var value: UInt64 = 0
            for i in 0..<n { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
            offset += n
            return value
        }
        guard bytes.count >= 20, checksum(bytes[..<(bytes.count - 8)]) == {
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[bytes.count - 8 + i]) << UInt64(8 * i) }
            return v
        }(), take(8) == key, let count = take(4).map(Int.init), count > 0, count <= 8 else { return nil }
        var programs: [[UInt8]] = []
        for _ in 0..<count {
            guard let length = take(4).map(Int.init), length > 0, length % 8 == 0, length <= 65536,
                  offset + length <= bytes.count - 8 else { return nil }
            programs.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        return offset == bytes.count - 8 ? programs : nil
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
