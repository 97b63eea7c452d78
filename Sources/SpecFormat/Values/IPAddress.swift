/// An IPv4 or IPv6 address, parsed strictly: IPv4 as four decimal octets without leading zeros
/// (`010` is octal to inet_aton and decimal to others), IPv6 as RFC 4291 text without a zone.
public enum IPAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    public var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    public var isV4: Bool { bitWidth == 32 }

    /// In network order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return (0..<4).map { UInt8(truncatingIfNeeded: a >> (24 - 8 * UInt32($0))) }
        case .v6(let h, let l):
            return (0..<8).map { UInt8(truncatingIfNeeded: h >> (56 - 8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: l >> (56 - 8 * UInt64($0))) }
        }
    }

    /// From 4 or 16 bytes in network order.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(high: bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) },
                            low: bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        default: return nil
        }
    }

    /// The same family with everything after the first `prefix` bits cleared.
    public func masked(to prefix: Int) -> IPAddress {
        switch self {
        case .v4(let a):
            return .v4(prefix == 0 ? 0 : a & ~(UInt32.max >> UInt32(prefix)))
        case .v6(let h, let l):
            let mh: UInt64 = prefix >= 64 ? .max : (prefix == 0 ? 0 : ~(UInt64.max >> UInt64(prefix)))
            let ml: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? .max : ~(UInt64.max >> UInt64(prefix - 64)))
            return .v6(high: h & mh, low: l & ml)
        }
    }

    public static func parse(_ text: String) -> Result<IPAddress, IPParseError> {
        if text.contains(":") { return parseV6(text) }
        return parseV4(text)
    }

    static func parseV4(_ text: String) -> Result<IPAddress, IPParseError> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return .failure(.init("'\(text)' is not an IPv4 address (expected four numbers separated by dots)")) }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255 else {
                return .failure(.init("'\(text)' is not an IPv4 address ('\(p)' is not a number from 0 to 255)"))
            }
            if p.count > 1 && p.first == "0" {
                return .failure(.init("'\(text)' has a leading zero in '\(p)', which some tools read as octal"))
            }
            value = value << 8 | n
        }
        return .success(.v4(value))
    }

    static func parseV6(_ text: String) -> Result<IPAddress, IPParseError> {
        let bad = IPParseError("'\(text)' is not an IPv6 address")
        if text.contains("%") { return .failure(.init("'\(text)' has a zone index (%…), which is not allowed here")) }
        let halves = text.components(separatedByString: "::")
        guard halves.count <= 2 else { return .failure(bad) }
        func groups(_ s: Substring, allowV4Tail: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, p) in parts.enumerated() {
                if allowV4Tail && i == parts.count - 1 && p.contains(".") {
                    guard case .success(.v4(let v)) = parseV4(String(p)) else { return nil }
                    out += [UInt16(v >> 16), UInt16(v & 0xFFFF)]
                    continue
                }
                guard (1...4).contains(p.count), p.allSatisfy(\.isHexDigit), let g = UInt16(p, radix: 16) else { return nil }
                out.append(g)
            }
            return out
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
                  head.count + tail.count <= 7 else { return .failure(bad) }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let g = groups(halves[0], allowV4Tail: true), g.count == 8 else { return .failure(bad) }
            all = g
        }
        let high = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return .success(.v6(high: high, low: low))
    }

    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
        case .v6(let h, let l):
            let g = (0..<4).map { UInt16(truncatingIfNeeded: h >> (48 - 16 * UInt64($0))) }
                + (0..<4).map { UInt16(truncatingIfNeeded: l >> (48 - 16 * UInt64($0))) }
            // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on a tie.
            var best = (start: -1, length: 0)
            var i = 0
            while i < 8 {
                if g[i] == 0 {
                    var j = i
                    while j < 8 && g[j] == 0 { j += 1 }
                    if j - i > best.length && j - i >= 2 { best = (i, j - i) }
                    i = j
                } else {
                    i += 1
                }
            }
            let hex = g.map { String($0, radix: 16) }
            if best.start < 0 { return hex.joined(separator: ":") }
            let head = hex[0..<best.start].joined(separator: ":")
            let tail = hex[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        }
    }
}

public struct IPParseError: Error, Sendable, Equatable {
    public var message: String
    init(_ message: String) { self.message = message }
}

/// An address with a prefix length: `10.250.0.2/30`, `fd00::1/64`.
public struct CIDR: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var prefix: Int

    public init(address: IPAddress, prefix: Int) {
        self.address = address
        self.prefix = prefix
    }

    public var network: IPAddress { address.masked(to: prefix) }
    public var hasHostBits: Bool { network != address }

    public func contains(_ other: IPAddress) -> Bool {
        other.bitWidth == address.bitWidth && other.masked(to: prefix) == network
    }

    public var description: String { "\(address)/\(prefix)" }

    public static func parse(_ text: String) -> Result<CIDR, IPParseError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(.init("'\(text)' has no prefix length; write it as address/prefix, e.g. 10.0.0.2/24"))
        }
        let address: IPAddress
        switch IPAddress.parse(String(parts[0])) {
        case .success(let a): address = a
        case .failure(let e): return .failure(e)
        }
        let p = parts[1]
        guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(p),
              prefix <= address.bitWidth, !(p.count > 1 && p.first == "0") else {
            return .failure(.init("'\(text)' has an invalid prefix length '\(p)' (0 to \(address.bitWidth))"))
        }
        return .success(CIDR(address: address, prefix: prefix))
    }
}

/// A MAC address written as six colon-separated hex pairs.
public struct MACAddress: Sendable, Equatable, CustomStringConvertible {
    public var octets: [UInt8]

    public init(octets: [UInt8]) { self.octets = octets }

    public var description: String {
        octets.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    public static func parse(_ text: String) -> Result<MACAddress, IPParseError> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }),
              case let octets = parts.compactMap({ UInt8($0, radix: 16) }), octets.count == 6 else {
            return .failure(.init("'\(text)' is not a MAC address (expected six hex pairs like 02:00:0a:fa:00:02)"))
        }
        if octets[0] & 1 == 1 {
            return .failure(.init("'\(text)' is a multicast MAC address; an interface needs a unicast one (even first octet)"))
        }
        if octets.allSatisfy({ $0 == 0 }) {
            return .failure(.init("'\(text)' is the all-zero MAC address"))
        }
        return .success(MACAddress(octets: octets))
    }
}

extension String {
    /// Splits on a multi-character separator without Foundation.
    func components(separatedByString sep: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self[...]
        while let r = rest.firstRange(of: sep) {
            out.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}
