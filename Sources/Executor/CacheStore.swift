import System

/// nsspec's cache of what it compiled: plans (`run`) and seccomp programs. It lives under
/// `$XDG_CACHE_HOME/nsspec` (or `$HOME/.cache/nsspec`), a directory only the caller may change
/// (made 0700 when missing). Entries are written atomically (a new file linked in whole) and
/// checked when read; anything that does not check out is a miss, and the entry is written anew.
///
/// An entry is `NSSC`, its kind, the whole key it answers (its length, then the bytes), the
/// payload (length, bytes), and a tag: SipHash-2-4 of everything before it, keyed with a secret
/// from the caller's user keyring (`SystemCalls.cacheSecret`). The key is compared byte for byte,
/// so an entry never answers another spec, caller or nsspec build (stale: a miss). The tag makes
/// an entry that nsspec did not write a miss too: damaged, or forged — by a sandbox, say, that
/// had `~/.cache` bound writable and wrote a plan of its choosing for the next `run`. The
/// secret is out of its reach: a sandbox with a user namespace of its own has another user
/// keyring, and the default seccomp profile refuses `keyctl`. With no directory or no secret
/// (no keyring: `keyctl` refused around nsspec), there is no cache: everything is compiled.
public struct CacheStore {
    public let directory: String
    let sys: SystemCalls
    let key: Secret

    /// The secret, where it can be wiped: the executor forgets it before it makes the sandbox's
    /// first process, so that no process of the sandbox holds it (PID 1 keeps nsspec's image).
    final class Secret: @unchecked Sendable {
        private(set) var bytes: [UInt8]
        private(set) var wiped = false
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func wipe() {
            bytes.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = 0 } }
            wiped = true
        }
    }

    var secret: [UInt8] { key.bytes }

    init(directory: String, sys: SystemCalls, secret: [UInt8]) {
        self.directory = directory
        self.sys = sys
        key = Secret(secret)
    }

    /// Wipes the secret from memory; the store reads and writes nothing after.
    public func forget() { key.wipe() }

    static let magic: [UInt8] = Array("NSSC".utf8)
    /// Larger than any entry nsspec writes (a spec is at most 1 MiB).
    static let maxEntryBytes = 4 << 20

    public enum Kind: UInt8, Sendable {
        case plan = 1, seccomp = 2
    }

    /// Why there is no cache, for `run --verbose`.
    public struct Unavailable: Error, Sendable {
        public var reason: String
    }

    /// The caller's cache, or why there is none.
    public static func open(_ sys: SystemCalls) -> Result<CacheStore, Unavailable> {
        guard let place = directory(sys) else {
            return .failure(Unavailable(reason: "neither XDG_CACHE_HOME nor HOME is set to an absolute path"))
        }
        guard let directory = cacheDirectory(sys) else {
            return .failure(Unavailable(reason: "no private cache directory at \(place) (it must belong to the caller and be writable by no one else)"))
        }
        do {
            return .success(CacheStore(directory: directory, sys: sys, secret: try sys.cacheSecret()))
        } catch let error as SystemError {
            return .failure(Unavailable(reason: "no secret in the user keyring (keyctl: \(error.errno.message))"))
        } catch {
            return .failure(Unavailable(reason: "no secret in the user keyring: \(error)"))
        }
    }

    /// Where the caller's cache is (whether it exists or not): `$XDG_CACHE_HOME/nsspec`, else
    /// `$HOME/.cache/nsspec`; nil when neither is an absolute path.
    public static func directory(_ sys: SystemCalls) -> String? {
        location(sys).map { $0.base + "/nsspec" }
    }

    static func location(_ sys: SystemCalls) -> (base: String, xdg: Bool)? {
        if let xdg = sys.environmentValue("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return (xdg, true) }
        guard let home = sys.environmentValue("HOME"), home.hasPrefix("/") else { return nil }
        return (home + "/.cache", false)
    }

    /// The caller's cache directory for nsspec, made private if missing; nil when there is none.
    static func cacheDirectory(_ sys: SystemCalls) -> String? {
        guard let (base, xdg) = location(sys) else { return nil }
        let dir = base + "/nsspec"
        if sys.privateDirectory(dir) { return dir }
        // Only on a first run: ~/.cache itself may be missing (not a syscall on every launch).
        guard !xdg, (try? sys.mkdir(base, mode: 0o700)) != nil else { return nil }
        return sys.privateDirectory(dir) ? dir : nil
    }

    public func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// The payload stored for `key` under `name`, if the entry there is nsspec's, intact, and
    /// for exactly this key.
    public func read(_ name: String, kind: Kind, key: [UInt8]) -> [UInt8]? {
        guard !self.key.wiped, let contents = try? sys.readFile(.path(path(name)), limit: Self.maxEntryBytes) else { return nil }
        return Self.open(contents.bytes, kind: kind, key: key, secret: secret)
    }

    /// Stores `payload` for `key` under `name`; a cache that cannot be written is no error.
    public func write(_ name: String, kind: Kind, key: [UInt8], payload: [UInt8]) {
        guard !self.key.wiped else { return }
        try? sys.replaceFile(path(name), with: Self.seal(kind: kind, key: key, payload: payload, secret: secret))
    }

    static func seal(kind: Kind, key: [UInt8], payload: [UInt8], secret: [UInt8]) -> [UInt8] {
        var out = magic
        out.append(kind.rawValue)
        appendLength(key.count, to: &out)
        out += key
        appendLength(payload.count, to: &out)
        out += payload
        let tag = SipHash.hash(out[...], key: secret)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: tag >> UInt64(8 * i))) }
        return out
    }

    static func open(_ bytes: [UInt8], kind: Kind, key: [UInt8], secret: [UInt8]) -> [UInt8]? {
        let body = bytes.count - 8
        guard body >= 13, bytes[0..<4].elementsEqual(magic), bytes[4] == kind.rawValue else { return nil }
        var tag: UInt64 = 0
        for i in 0..<8 { tag |= UInt64(bytes[body + i]) << UInt64(8 * i) }
        guard SipHash.hash(bytes[..<body], key: secret) == tag else { return nil }
        var offset = 5
        func field() -> ArraySlice<UInt8>? {
            guard offset + 4 <= body else { return nil }
            var n = 0
            for i in 0..<4 { n |= Int(bytes[offset + i]) << (8 * i) }
            offset += 4
            guard n <= body - offset else { return nil }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        guard let stored = field(), sameBytes(stored, key), let payload = field(), offset == body else { return nil }
        return Array(payload)
    }

    static func sameBytes(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var difference: UInt8 = 0
                for i in 0..<x.count { difference |= x[i] ^ y[i] }
                return difference == 0
            }
        }
    }

    public static func appendLength(_ n: Int, to out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: n >> (8 * i))) }
    }

    /// Removes every entry nsspec wrote in `directory` (plans and seccomp programs), and only
    /// those; returns how many, and their bytes. A directory that does not exist holds none.
    public static func clear(_ directory: String, _ sys: SystemCalls) throws -> (entries: Int, bytes: Int) {
        let names: [String]
        do {
            names = try sys.directoryEntries(directory)
        } catch let error as SystemError where error.errno == .ENOENT {
            return (0, 0)
        }
        var entries = 0, bytes = 0
        for name in names.sorted() where isEntryName(name) {
            let path = "\(directory)/\(name)"
            let size = (try? sys.readFile(.path(path), limit: maxEntryBytes).size) ?? 0
            try sys.removeFile(path)
            entries += 1
            bytes += size
        }
        return (entries, bytes)
    }

    /// `plan-<16 hex>.bin` or `seccomp-<16 hex>.bpf`.
    static func isEntryName(_ name: String) -> Bool {
        for (prefix, suffix) in [("plan-", ".bin"), ("seccomp-", ".bpf")] where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            return !middle.isEmpty && middle.count <= 16 && middle.allSatisfy(\.isHexDigit)
        }
        return false
    }

    /// An entry's file name: a hash of what identifies it (not a secret; the entry holds its
    /// whole key).
    public static func entryName(_ prefix: String, _ identity: [UInt8], _ suffix: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in identity { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return prefix + String(hash, radix: 16) + suffix
    }
}

/// Builds a cache key: numbers, strings (each ended by its length) and raw bytes, in order.
public struct CacheKey {
    public private(set) var bytes: [UInt8] = []

    public init(_ format: String) { text(format) }

    public mutating func number(_ value: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
    }

    public mutating func text(_ t: String) {
        bytes += t.utf8
        number(UInt64(t.utf8.count))
    }

    public mutating func list(_ names: [String]) {
        for name in names { text(name) }
        number(UInt64(names.count))
    }

    public mutating func raw(_ b: [UInt8]) {
        bytes += b
        number(UInt64(b.count))
    }
}

/// SipHash-2-4 (Aumasson and Bernstein): a keyed hash made to authenticate short messages; a
/// 64-bit tag that cannot be forged without the 128-bit key.
public enum SipHash {
    public static func hash(_ data: ArraySlice<UInt8>, key: [UInt8]) -> UInt64 {
        precondition(key.count == 16)
        let (k0, k1) = key.withUnsafeBytes {
            (UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)), UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        return data.withUnsafeBytes { hash($0, k0, k1) }
    }

    static func hash(_ data: UnsafeRawBufferPointer, _ k0: UInt64, _ k1: UInt64) -> UInt64 {
        var v = (0x736F_6D65_7073_6575 ^ k0, 0x646F_7261_6E64_6F6D ^ k1, 0x6C79_6765_6E65_7261 ^ k0, 0x7465_6462_7974_6573 ^ k1)
        let whole = data.count & ~7
        var offset = 0
        while offset < whole {
            compress(&v, UInt64(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        var last = UInt64(data.count & 0xFF) << 56
        for i in 0..<(data.count - whole) { last |= UInt64(data[whole + i]) << UInt64(8 * i) }
        compress(&v, last)
        v.2 ^= 0xFF
        for _ in 0..<4 { round(&v) }
        return v.0 ^ v.1 ^ v.2 ^ v.3
    }

    @inline(__always)
    static func compress(_ v: inout (UInt64, UInt64, UInt64, UInt64), _ m: UInt64) {
        v.3 ^= m
        round(&v)
        round(&v)
        v.0 ^= m
    }

    @inline(__always)
    static func round(_ v: inout (UInt64, UInt64, UInt64, UInt64)) {
        v.0 &+= v.1; v.1 = v.1 << 13 | v.1 >> 51; v.1 ^= v.0; v.0 = v.0 << 32 | v.0 >> 32
        v.2 &+= v.3; v.3 = v.3 << 16 | v.3 >> 48; v.3 ^= v.2
        v.0 &+= v.3; v.3 = v.3 << 21 | v.3 >> 43; v.3 ^= v.0
        v.2 &+= v.1; v.1 = v.1 << 17 | v.1 >> 47; v.1 ^= v.2; v.2 = v.2 << 32 | v.2 >> 32
    }
}
