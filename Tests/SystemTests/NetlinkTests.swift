@testable import System
import Testing

/// rtnetlink messages as bytes: lengths, alignment, nesting, and the kernel's answers.
@Suite struct NetlinkTests {
    func header(_ bytes: [UInt8]) -> (length: Int, type: UInt16, flags: UInt16, seq: UInt32) {
        (Int(NetlinkReply.le32(bytes, 0)), UInt16(bytes[4]) | UInt16(bytes[5]) << 8,
         UInt16(bytes[6]) | UInt16(bytes[7]) << 8, NetlinkReply.le32(bytes, 8))
    }

    @Test func vethRequestNestsThePeerWithItsNamespace() throws {
        let bytes = NetlinkRequests.createVeth(
            VethRequest(hostName: "host0", peerName: "eth0", peerNamespacePid: 4321, mtu: 1400, peerMAC: [2, 0, 10, 250, 0, 2]),
            seq: 9)
        let h = header(bytes)
        #expect(h.length == bytes.count && bytes.count % 4 == 0)
        #expect(h.type == RT.RTM_NEWLINK && h.seq == 9)
        #expect(h.flags == RT.NLM_F_REQUEST | RT.NLM_F_ACK | RT.NLM_F_CREATE | RT.NLM_F_EXCL | RT.NLM_F_ECHO)
        // After the 16-byte header and the 16-byte ifinfomsg: the host end's attributes.
        let top = NetlinkAttribute.parse(bytes[32...])
        #expect(top.map(\.type) == [RT.IFLA_IFNAME, RT.IFLA_MTU, RT.IFLA_LINKINFO])
        #expect(top[0].string == "host0" && top[1].u32 == 1400)
        let info = NetlinkAttribute.parse(top[2].payload)
        #expect(info.map(\.type) == [RT.IFLA_INFO_KIND, RT.IFLA_INFO_DATA] && info[0].string == "veth")
        let data = NetlinkAttribute.parse(info[1].payload)
        #expect(data.map(\.type) == [RT.VETH_INFO_PEER])
        let peer = NetlinkAttribute.parse(data[0].payload.dropFirst(16))
        #expect(peer.map(\.type) == [RT.IFLA_IFNAME, RT.IFLA_NET_NS_PID, RT.IFLA_MTU, RT.IFLA_ADDRESS])
        #expect(peer[0].string == "eth0" && peer[1].u32 == 4321 && Array(peer[3].payload) == [2, 0, 10, 250, 0, 2])
        // Nested attributes carry NLA_F_NESTED, which parse() strips.
        let linkinfoType = UInt16(bytes[32 + 12 + 8 + 2]) | UInt16(bytes[32 + 12 + 8 + 3]) << 8
        #expect(linkinfoType == RT.IFLA_LINKINFO | RT.NLA_F_NESTED)
    }

    @Test func unnamedHostEndHasNoName() {
        let bytes = NetlinkRequests.createVeth(
            VethRequest(hostName: nil, peerName: "eth0", peerNamespacePid: 1, mtu: nil, peerMAC: nil), seq: 1)
        #expect(NetlinkAttribute.parse(bytes[32...]).map(\.type) == [RT.IFLA_LINKINFO])
    }

    @Test func ipv6AddressSkipsDuplicateAddressDetection() {
        let v6 = InterfaceAddress(bytes: [0xFD] + Array(repeating: 0, count: 14) + [2], prefix: 64)
        let bytes = NetlinkRequests.addAddress(index: 3, v6, seq: 2)
        #expect(Array(bytes[16..<20]) == [RT.AF_INET6, 64, UInt8(RT.IFA_F_NODAD), RT.RT_SCOPE_UNIVERSE])
        #expect(NetlinkReply.le32(bytes, 20) == 3)
        let attrs = NetlinkAttribute.parse(bytes[24...])
        #expect(attrs.map(\.type) == [RT.IFA_LOCAL, RT.IFA_ADDRESS, RT.IFA_FLAGS])
        #expect(attrs[2].u32 == RT.IFA_F_NODAD)
        let v4 = NetlinkRequests.addAddress(index: 3, InterfaceAddress(bytes: [10, 0, 0, 2], prefix: 24), seq: 3)
        #expect(Array(v4[16..<20]) == [RT.AF_INET, 24, 0, RT.RT_SCOPE_UNIVERSE])
        #expect(NetlinkAttribute.parse(v4[24...]).map(\.type) == [RT.IFA_LOCAL, RT.IFA_ADDRESS])
    }

    @Test func routesWithAndWithoutGateway() {
        let viaGateway = NetlinkRequests.addRoute(
            index: 3, RouteRequest(destination: nil, gateway: [10, 0, 0, 1]), seq: 4)
        #expect(Array(viaGateway[16..<24]) == [RT.AF_INET, 0, 0, 0, RT.RT_TABLE_MAIN, RT.RTPROT_STATIC, RT.RT_SCOPE_UNIVERSE, RT.RTN_UNICAST])
        #expect(NetlinkAttribute.parse(viaGateway[28...]).map(\.type) == [RT.RTA_GATEWAY, RT.RTA_OIF])
        let onLink = NetlinkRequests.addRoute(
            index: 3, RouteRequest(destination: InterfaceAddress(bytes: [10, 96, 0, 0], prefix: 12), gateway: nil), seq: 5)
        #expect(onLink[17] == 12 && onLink[22] == RT.RT_SCOPE_LINK)
        let attrs = NetlinkAttribute.parse(onLink[28...])
        #expect(attrs.map(\.type) == [RT.RTA_DST, RT.RTA_OIF] && Array(attrs[0].payload) == [10, 96, 0, 0])
    }

    /// struct nlmsgerr with a capped request header and an NLMSGERR_ATTR_MSG.
    func errorReply(errno: Int32, message: String?, seq: UInt32) -> [UInt8] {
        var m = NetlinkMessage(type: RT.NLMSG_ERROR, flags: message == nil ? 0 : RT.NLM_F_ACK_TLVS | RT.NLM_F_CAPPED, seq: seq)
        m.append(-errno)
        m.append(Array(repeating: UInt8(0), count: 16))  // the request's header
        if let message { m.attribute(RT.NLMSGERR_ATTR_MSG, string: message) }
        return m.finished
    }

    @Test func errorsCarryTheKernelsWords() throws {
        let replies = try NetlinkReply.parse(errorReply(errno: 34, message: "MTU too large", seq: 7) + errorReply(errno: 0, message: nil, seq: 8))
        #expect(replies.count == 2)
        let e = try #require(replies[0].error)
        #expect(e.errno == 34 && e.message == "MTU too large" && replies[0].seq == 7)
        let ack = try #require(replies[1].error)
        #expect(ack.errno == 0 && ack.message == nil)
    }

    /// A datagram cut short is an error, not the end of the answer: read as the end, an ACK or
    /// an error lost with the missing bytes would pass for success.
    @Test func truncatedRepliesAreErrors() throws {
        let two = errorReply(errno: 34, message: "MTU too large", seq: 7) + errorReply(errno: 0, message: nil, seq: 8)
        #expect(try NetlinkReply.parse(two).count == 2)
        // The second message's length says more than is left.
        #expect(throws: NetlinkReply.Truncated(
            detail: "netlink reply truncated: the message at offset 56 is 36 bytes long, 20 are left in the datagram")) {
            try NetlinkReply.parse(Array(two.dropLast(16)))
        }
        // Cut inside the second message's header.
        #expect(throws: NetlinkReply.Truncated(
            detail: "netlink reply truncated: 10 bytes at offset 56 are less than a message header")) {
            try NetlinkReply.parse(Array(two.prefix(66)))
        }
        #expect(throws: NetlinkReply.Truncated.self) { try NetlinkReply.parse([]) }
        // A length below the header's own size, and an error message without its errno.
        var short = errorReply(errno: 0, message: nil, seq: 1)
        short[0] = 8
        #expect(throws: NetlinkReply.Truncated.self) { try NetlinkReply.parse(short) }
        let noErrno = NetlinkMessage(type: RT.NLMSG_ERROR, flags: 0, seq: 1).finished
        #expect(throws: NetlinkReply.Truncated(detail: "netlink reply truncated: an error message of 16 bytes has no errno")) {
            try NetlinkReply.parse(noErrno)
        }
    }

    @Test func linkRepliesGiveIndexNameAliasAndKind() throws {
        var m = NetlinkMessage(type: RT.RTM_NEWLINK, flags: 0, seq: 3)
        m.ifinfomsg(index: 17)
        m.attribute(RT.IFLA_IFNAME, string: "host0")
        m.attribute(RT.IFLA_IFALIAS, string: "nsspec pid 12")
        m.beginNest(RT.IFLA_LINKINFO)
        m.attribute(RT.IFLA_INFO_KIND, string: "veth")
        m.endNest()
        let link = try #require(try NetlinkReply.parse(m.finished).first?.link)
        #expect(link == LinkInfo(index: 17, name: "host0", alias: "nsspec pid 12", kind: "veth"))
    }

    @Test func subnetContainment() {
        let net = InterfaceAddress(bytes: [10, 250, 0, 0], prefix: 30)
        #expect(net.contains([10, 250, 0, 3]) && !net.contains([10, 250, 0, 4]))
        #expect(InterfaceAddress(bytes: [0, 0, 0, 0], prefix: 0).contains([192, 168, 1, 1]))
        #expect(!net.contains(Array(repeating: 0, count: 16)))
        #expect(InterfaceAddress(bytes: [10, 250, 0, 2], prefix: 30).description == "10.250.0.2/30")
    }
}
