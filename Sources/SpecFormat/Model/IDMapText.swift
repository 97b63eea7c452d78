/// The text of a uid_map or gid_map exactly as it reaches the kernel: one line
/// `inside outside count\n` per range, in decimal. The executor writes this text to
/// /proc/PID/uid_map in one write(2); newuidmap and newgidmap build the same text from their
/// arguments (`"%lu %lu %lu\n"`, shadow's write_mapping) and write it in one write too.
/// Validation measures the same text, so that a map the kernel would refuse is an error at
/// `validate`, not an EINVAL at run time.
///
/// The kernel's limits (kernel/user_namespace.c, map_write): a write of PAGE_SIZE bytes or more
/// is refused with EINVAL (4096 on x86_64, and the smallest page size of aarch64), and so is a
/// map of more than 340 lines (UID_GID_MAP_MAX_EXTENTS, Linux ≥ 4.15).
public enum IDMapText {
    /// The most lines one map may have.
    public static let maxLines = 340
    /// The longest text the kernel takes: fewer than PAGE_SIZE (4096) bytes.
    public static let maxBytes = 4095
    /// What validation counts for an outside id known only at run time (`self`, `subordinate`):
    /// the widest id, 10 digits.
    public static let widestID = UInt32.max

    /// One line of a map: the `count` ids from `inside` in the namespace are the ids from
    /// `outside` in its parent.
    public struct Line: Sendable, Equatable {
        public var inside: UInt32
        public var outside: UInt32
        public var count: UInt32

        public init(inside: UInt32, outside: UInt32, count: UInt32) {
            self.inside = inside
            self.outside = outside
            self.count = count
        }
    }

    /// The map's text, as written to /proc/PID/uid_map or gid_map.
    public static func render(_ lines: [Line]) -> String {
        var text = ""  // a loop, not map + joined(): generic stdlib code costs a static binary conformance lookups
        for line in lines { text += "\(line.inside) \(line.outside) \(line.count)\n" }
        return text
    }

    /// Why the kernel would refuse `lines`, or nil when it takes them: more than 340 lines, or
    /// 4096 bytes or more of text.
    public static func problem(_ lines: [Line]) -> String? {
        if lines.count > maxLines { return "\(lines.count) lines; the kernel takes at most \(maxLines)" }
        let bytes = render(lines).utf8.count
        if bytes > maxBytes { return "\(bytes) bytes; the kernel takes fewer than \(maxBytes + 1) in one write" }
        return nil
    }
}
