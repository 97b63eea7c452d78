/// rtnetlink messages, built and read in Swift (no libmnl, no `ip`). Only the messages nsspec
/// sends: a veth pair with its peer created straight in another network namespace, link up
/// and alias, addresses, routes, a link by name, the host's addresses, and a link's deletion.
/// Pure byte work: `LinuxSystemCalls` moves the bytes through an AF_NETLINK socket.
/// Layouts are those of linux/netlink.h, linux/rtnetlink.h, linux/if_link.h and linux/veth.h.
/// Netlink integers are in host byte order; addresses in network order.
enum RT {
    // Message types and flags.
    static let NLMSG_ERROR: UInt16 = 2, NLMSG_DONE: UInt16 = 3
    static let NLM_F_REQUEST: UInt16 = 0x1, NLM_F_ACK: UInt16 = 0x4, NLM_F_ECHO: UInt16 = 0x8
    static let NLM_F_EXCL: UInt16 = 0x200, NLM_F_CREATE: UInt16 = 0x400, NLM_F_DUMP: UInt16 = 0x300
    /// In an ACK: extended-ACK attributes follow the (capped) original header.
    static let NLM_F_ACK_TLVS: UInt16 = 0x200, NLM_F_CAPPED: UInt16 = 0x100
    static let RTM_NEWLINK: UInt16 = 16, RTM_DELLINK: UInt16 = 17, RTM_GETLINK: UInt16 = 18
    static let RTM_NEWADDR: UInt16 = 20, RTM_GETADDR: UInt16 = 22, RTM_NEWROUTE: UInt16 = 24
    // Attributes.
    static let IFLA_ADDRESS: UInt16 = 1, IFLA_IFNAME: UInt16 = 3, IFLA_MTU: UInt16 = 4, IFLA_LINKINFO: UInt16 = 18
    static let IFLA_NET_NS_PID: UInt16 = 19, IFLA_IFALIAS: UInt16 = 20
    static let IFLA_INFO_KIND: UInt16 = 1, IFLA_INFO_DATA: UInt16 = 2, VETH_INFO_PEER: UInt16 = 1
    static let IFA_ADDRESS: UInt16 = 1, IFA_LOCAL: UInt16 = 2, IFA_LABEL: UInt16 = 3, IFA_FLAGS: UInt16 = 8
    static let IFA_F_NODAD: UInt32 = 0x02
    static let RTA_DST: UInt16 = 1, RTA_OIF: UInt16 = 4, RTA_GATEWAY: UInt16 = 5
    static let NLA_F_NESTED: UInt16 = 0x8000
    static let NLMSGERR_ATTR_MSG: UInt16 = 1
    // Values.
    static let AF_UNSPEC: UInt8 = 0, AF_INET: UInt8 = 2, AF_INET6: UInt8 = 10
    static let IFF_UP: UInt32 = 1
    static let RT_TABLE_MAIN: UInt8 = 254, RTPROT_STATIC: UInt8 = 4
    static let RT_SCOPE_UNIVERSE: UInt8 = 0, RT_SCOPE_LINK: UInt8 = 253, RTN_UNICAST: UInt8 = 1
}

/// One netlink message under construction: header, fixed part, attributes (nested ones too).
struct NetlinkMessage {
    private(set) var bytes: [UInt8] = []
    private var nests: [Int] = []

    init(type: UInt16, flags: UInt16, seq: UInt32) {
        append(UInt32(0))  // length, set by `finished`
        append(type)
        append(flags)
        append(seq)
        append(UInt32(0))  // port id: the kernel fills it in
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ raw: [UInt8]) { bytes += raw }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    /// struct ifinfomsg: family, type, index, flags, change.
    mutating func ifinfomsg(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) {
        append(RT.AF_UNSPEC)
        append(UInt8(0))
        append(UInt16(0))
        append(index)
        append(flags)
        append(change)
    }

    mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
        append(UInt16(4 + payload.count))
        append(type)
        bytes += payload
        pad()
    }

    mutating func attribute(_ type: UInt16, u32 value: UInt32) {
        withUnsafeBytes(of: value) { attribute(type, Array($0)) }
    }

    /// A NUL-terminated string attribute.
    mutating func attribute(_ type: UInt16, string: String) { attribute(type, Array(string.utf8) + [0]) }

    mutating func beginNest(_ type: UInt16) {
        nests.append(bytes.count)
        append(UInt16(0))
        append(type | RT.NLA_F_NESTED)
    }

    mutating func endNest() {
        let start = nests.removeLast()
        setUInt16(UInt16(bytes.count - start), at: start)
    }

    private mutating func setUInt16(_ value: UInt16, at offset: Int) {
        withUnsafeBytes(of: value) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
    }

    /// The message with its length written in.
    var finished: [UInt8] {
        var out = bytes
        withUnsafeBytes(of: UInt32(out.count)) { for (i, b) in $0.enumerated() { out[i] = b } }
        return out
    }
}

/// A netlink attribute as read: type (flags removed) and payload.
struct NetlinkAttribute {
    var type: UInt16
    var payload: ArraySlice<UInt8>

    var string: String {
        String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }

    var u32: UInt32? {
        guard payload.count >= 4 else { return nil }
        return UInt32(payload[payload.startIndex]) | UInt32(payload[payload.startIndex + 1]) << 8
            | UInt32(payload[payload.startIndex + 2]) << 16 | UInt32(payload[payload.startIndex + 3]) << 24
    }

    /// The attributes in `bytes`, in order; an attribute whose length does not fit ends the list.
    static func parse(_ bytes: ArraySlice<UInt8>) -> [NetlinkAttribute] {
        var out: [NetlinkAttribute] = []
        var i = bytes.startIndex
        while i + 4 <= bytes.endIndex {
            let length = Int(bytes[i]) | Int(bytes[i + 1]) << 8
            let type = (UInt16(bytes[i + 2]) | UInt16(bytes[i + 3]) << 8) & 0x3FFF
            guard length >= 4, i + length <= bytes.endIndex else { break }
            out.append(NetlinkAttribute(type: type, payload: bytes[(i + 4)..<(i + length)]))
            i += (length + 3) & ~3
        }
        return out
    }
}

/// One message received from the kernel.
struct NetlinkReply {
    var type: UInt16
    var flags: UInt16
    var seq: UInt32
    /// Everything after the 16-byte header.
    var body: ArraySlice<UInt8>

    /// A datagram that does not split into whole messages: cut short, or not netlink at all.
    struct Truncated: Error, Equatable {
        /// What is wrong, for `SystemError.detail`.
        var detail: String
    }

    /// Splits a datagram into its messages. Every byte must belong to a whole message: an empty
    /// datagram, a header cut short, a length past the end of the datagram or an NLMSG_ERROR
    /// without its errno is an error, never the end of the answer (which could read as success).
    static func parse(_ bytes: [UInt8]) throws(Truncated) -> [NetlinkReply] {
        if bytes.isEmpty { throw Truncated(detail: "netlink reply is empty") }
        var out: [NetlinkReply] = []
        var i = 0
        while i < bytes.count {
            guard i + 16 <= bytes.count else {
                throw Truncated(detail: "netlink reply truncated: \(bytes.count - i) bytes at offset \(i) are less than a message header")
            }
            let length = Int(le32(bytes, i))
            guard length >= 16 else {
                throw Truncated(detail: "netlink reply malformed: the message at offset \(i) says it is \(length) bytes long, "
                                + "less than its header")
            }
            guard i + length <= bytes.count else {
                throw Truncated(detail: "netlink reply truncated: the message at offset \(i) is \(length) bytes long, "
                                + "\(bytes.count - i) are left in the datagram")
            }
            let reply = NetlinkReply(
                type: UInt16(bytes[i + 4]) | UInt16(bytes[i + 5]) << 8,
                flags: UInt16(bytes[i + 6]) | UInt16(bytes[i + 7]) << 8,
                seq: le32(bytes, i + 8),
                body: bytes[(i + 16)..<(i + length)])
            if reply.type == RT.NLMSG_ERROR && reply.body.count < 4 {
                throw Truncated(detail: "netlink reply truncated: an error message of \(length) bytes has no errno")
            }
            out.append(reply)
            // The last message need not be padded to 4 bytes.
            i += (length + 3) & ~3
        }
        return out
    }

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    private func le32(at offset: Int) -> UInt32 {
        let i = body.startIndex + offset
        return UInt32(body[i]) | UInt32(body[i + 1]) << 8 | UInt32(body[i + 2]) << 16 | UInt32(body[i + 3]) << 24
    }

    /// For NLMSG_ERROR: the (positive) errno, 0 for an ACK, and the kernel's extended-ACK
    /// message when it gave one ("Invalid MTU", …).
    var error: (errno: Int32, message: String?)? {
        guard type == RT.NLMSG_ERROR, body.count >= 4 else { return nil }
        let errno = -Int32(bitPattern: le32(at: 0))
        var message: String?
        if flags & RT.NLM_F_ACK_TLVS != 0 && body.count >= 20 {
            // struct nlmsgerr: error, then the request's header (and, uncapped, its body).
            let requestLength = flags & RT.NLM_F_CAPPED != 0 ? 16 : Int(le32(at: 4))
            let start = body.startIndex + 4 + ((requestLength + 3) & ~3)
            if start <= body.endIndex {
                message = NetlinkAttribute.parse(body[start...]).first { $0.type == RT.NLMSGERR_ATTR_MSG }?.string
            }
        }
        return (errno, message)
    }

    /// For RTM_NEWLINK: the link it describes.
    var link: LinkInfo? {
        guard type == RT.RTM_NEWLINK, body.count >= 16 else { return nil }
        var info = LinkInfo(index: Int32(bitPattern: le32(at: 4)), name: "")
        for attr in NetlinkAttribute.parse(body.dropFirst(16)) {
            switch attr.type {
            case RT.IFLA_IFNAME: info.name = attr.string
            case RT.IFLA_IFALIAS: info.alias = attr.string
            case RT.IFLA_LINKINFO:
                info.kind = NetlinkAttribute.parse(attr.payload).first { $0.type == RT.IFLA_INFO_KIND }?.string
            default: break
            }
        }
        return info
    }

    /// For RTM_NEWADDR: the address and the interface it is on.
    var address: AddressEntry? {
        guard type == RT.RTM_NEWADDR, body.count >= 8 else { return nil }
        let b = body.startIndex
        let prefix = body[b + 1]
        var entry = AddressEntry(index: Int32(bitPattern: le32(at: 4)), label: nil,
                                 address: InterfaceAddress(bytes: [], prefix: prefix))
        var local: [UInt8]?
        for attr in NetlinkAttribute.parse(body.dropFirst(8)) {
            switch attr.type {
            case RT.IFA_LOCAL: local = Array(attr.payload)
            case RT.IFA_ADDRESS: if entry.address.bytes.isEmpty { entry.address.bytes = Array(attr.payload) }
            case RT.IFA_LABEL: entry.label = attr.string
            default: break
            }
        }
        if let local { entry.address.bytes = local }
        return entry.address.bytes.isEmpty ? nil : entry
    }
}

/// The requests, as bytes.
enum NetlinkRequests {
    static let ack = RT.NLM_F_REQUEST | RT.NLM_F_ACK
    static let create = RT.NLM_F_REQUEST | RT.NLM_F_ACK | RT.NLM_F_CREATE | RT.NLM_F_EXCL

    /// RTM_NEWLINK type veth: the host end here, the peer created in the network namespace of
    /// `peerNamespacePid` with its final name, MTU and MAC. NLM_F_EXCL: an existing interface of
    /// either name is an error, never modified. NLM_F_ECHO: the kernel answers with the new
    /// host end (its index, and its name when the kernel chose it).
    static func createVeth(_ r: VethRequest, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_NEWLINK, flags: create | RT.NLM_F_ECHO, seq: seq)
        m.ifinfomsg()
        if let name = r.hostName { m.attribute(RT.IFLA_IFNAME, string: name) }
        if let mtu = r.mtu { m.attribute(RT.IFLA_MTU, u32: mtu) }
        m.beginNest(RT.IFLA_LINKINFO)
        m.attribute(RT.IFLA_INFO_KIND, string: "veth")
        m.beginNest(RT.IFLA_INFO_DATA)
        m.beginNest(RT.VETH_INFO_PEER)
        m.ifinfomsg()
        m.attribute(RT.IFLA_IFNAME, string: r.peerName)
        m.attribute(RT.IFLA_NET_NS_PID, u32: UInt32(bitPattern: r.peerNamespacePid))
        if let mtu = r.mtu { m.attribute(RT.IFLA_MTU, u32: mtu) }
        if let mac = r.peerMAC { m.attribute(RT.IFLA_ADDRESS, mac) }
        m.endNest()
        m.endNest()
        m.endNest()
        return m.finished
    }

    /// RTM_NEWLINK on an existing link, by name: IFF_UP, and an alias when given.
    static func setLink(_ name: String, up: Bool, alias: String?, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_NEWLINK, flags: ack, seq: seq)
        m.ifinfomsg(flags: up ? RT.IFF_UP : 0, change: RT.IFF_UP)
        m.attribute(RT.IFLA_IFNAME, string: name)
        if let alias { m.attribute(RT.IFLA_IFALIAS, Array(alias.utf8)) }
        return m.finished
    }

    /// With NLM_F_ACK, so that the answer ends with an ACK (or ENODEV) like every other.
    static func getLink(_ key: LinkKey, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_GETLINK, flags: ack, seq: seq)
        switch key {
        case .name(let name):
            m.ifinfomsg()
            m.attribute(RT.IFLA_IFNAME, string: name)
        case .index(let index):
            m.ifinfomsg(index: index)
        }
        return m.finished
    }

    static func deleteLink(index: Int32, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_DELLINK, flags: ack, seq: seq)
        m.ifinfomsg(index: index)
        return m.finished
    }

    /// RTM_NEWADDR. IPv6 addresses skip duplicate address detection (IFA_F_NODAD): both ends of
    /// the pair are ours, and a tentative address would refuse traffic for the first second or two.
    static func addAddress(index: Int32, _ a: InterfaceAddress, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_NEWADDR, flags: create, seq: seq)
        m.append(a.family)
        m.append(a.prefix)
        m.append(a.isV4 ? UInt8(0) : UInt8(RT.IFA_F_NODAD))
        m.append(RT.RT_SCOPE_UNIVERSE)
        m.append(index)
        m.attribute(RT.IFA_LOCAL, a.bytes)
        m.attribute(RT.IFA_ADDRESS, a.bytes)
        if !a.isV4 { m.attribute(RT.IFA_FLAGS, u32: RT.IFA_F_NODAD) }
        return m.finished
    }

    static func dumpAddresses(seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_GETADDR, flags: RT.NLM_F_REQUEST | RT.NLM_F_DUMP, seq: seq)
        m.append(UInt64(0))  // struct ifaddrmsg, all families
        return m.finished
    }

    /// RTM_NEWROUTE in the main table: through `gateway`, or on the link itself without one.
    static func addRoute(index: Int32, _ r: RouteRequest, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.RTM_NEWROUTE, flags: create, seq: seq)
        let family = r.isV4 ? RT.AF_INET : RT.AF_INET6
        m.append(family)
        m.append(r.destination?.prefix ?? 0)  // dst_len
        m.append(UInt8(0))  // src_len
        m.append(UInt8(0))  // tos
        m.append(RT.RT_TABLE_MAIN)
        m.append(RT.RTPROT_STATIC)
        m.append(r.gateway == nil ? RT.RT_SCOPE_LINK : RT.RT_SCOPE_UNIVERSE)
        m.append(RT.RTN_UNICAST)
        m.append(UInt32(0))  // flags
        if let d = r.destination, d.prefix > 0 { m.attribute(RT.RTA_DST, d.bytes) }
        if let g = r.gateway { m.attribute(RT.RTA_GATEWAY, g) }
        m.attribute(RT.RTA_OIF, u32: UInt32(bitPattern: index))
        return m.finished
    }
}
