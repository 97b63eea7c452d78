import Testing
@testable import SpecFormat

@Suite struct ValueTests {
    @Test(arguments: [
        ("0.0.0.0", "0.0.0.0"), ("10.250.0.2", "10.250.0.2"), ("255.255.255.255", "255.255.255.255"),
        ("::", "::"), ("::1", "::1"), ("fd00::2", "fd00::2"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:DB8::", "2001:db8::"), ("::ffff:10.0.0.1", "::ffff:a00:1"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:0:0:4:0:0:0:8", "1:0:0:4::8"),
    ])
    func parsesAddresses(_ text: String, _ canonical: String) throws {
        let a = try IPAddress.parse(text).get()
        #expect(a.description == canonical)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.-1", " 1.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3",
        "12345::", "fe80::1%eth0", "::1.2.3", "1.2.3.4::", "g::1", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8",
    ])
    func rejectsAddresses(_ text: String) {
        #expect(throws: IPParseError.self) { try IPAddress.parse(text).get() }
    }

    @Test func cidrContainmentAndHostBits() throws {
        let net = try CIDR.parse("10.250.0.2/30").get()
        #expect(net.contains(try IPAddress.parse("10.250.0.1").get()))
        #expect(!net.contains(try IPAddress.parse("10.250.0.4").get()))
        #expect(!net.contains(try IPAddress.parse("::1").get()))
        #expect(net.hasHostBits)
        #expect(try !CIDR.parse("10.96.0.0/12").get().hasHostBits)
        #expect(try CIDR.parse("10.96.0.1/12").get().network.description == "10.96.0.0")
        let v6 = try CIDR.parse("fd00:250::2/64").get()
        #expect(v6.contains(try IPAddress.parse("fd00:250::ffff:1").get()))
        #expect(!v6.contains(try IPAddress.parse("fd00:251::1").get()))
        #expect(try CIDR.parse("0.0.0.0/0").get().contains(try IPAddress.parse("8.8.8.8").get()))
        #expect(try CIDR.parse("fd00::1/128").get().network.description == "fd00::1")
        #expect(try CIDR.parse("fd00::ff:1/120").get().network.description == "fd00::ff:0")
        #expect(throws: IPParseError.self) { try CIDR.parse("10.0.0.1/033").get() }
        #expect(throws: IPParseError.self) { try CIDR.parse("fd00::/129").get() }
    }

    @Test func macAddresses() throws {
        #expect(try MACAddress.parse("02:00:0A:fa:00:02").get().description == "02:00:0a:fa:00:02")
        for bad in ["02:00:0a:fa:00", "02-00-0a-fa-00-02", "0g:00:00:00:00:00", "03:00:00:00:00:01", "00:00:00:00:00:00", "2:0:a:fa:0:2"] {
            #expect(throws: IPParseError.self, "\(bad)") { try MACAddress.parse(bad).get() }
        }
    }

    @Test func scalarKinds() {
        func kind(_ t: String, _ style: YAMLScalar.Style = .plain) -> ScalarKind {
            ScalarKind(YAMLScalar(text: t, style: style, location: .init(file: "t", line: 1, column: 1)))
        }
        #expect(kind("1000") == .integer)
        #expect(kind("0") == .integer)
        #expect(kind("1000", .doubleQuoted) == .string)
        #expect(kind("yes") == .yaml11Bool && kind("N") == .yaml11Bool && kind("Off") == .yaml11Bool)
        #expect(kind("yEs") == .string && kind("oN") == .string && kind("nO") == .string)
        #expect(ScalarKind.isSexagesimal("12:30") && ScalarKind.isSexagesimal("1:2:59") && ScalarKind.isSexagesimal("+190:20:30"))
        #expect(!ScalarKind.isSexagesimal("02:00:00:00:00:01") && !ScalarKind.isSexagesimal("12:60") && !ScalarKind.isSexagesimal("12"))
        #expect(kind("true") == .bool(true) && kind("TRUE") == .oddlyCasedBool(true))
        #expect(kind("~") == .null && kind("") == .null && kind("NULL") == .null)
        #expect(kind("1.5") == .float && kind(".5") == .float && kind("1e3") == .float && kind(".inf") == .float)
        #expect(kind("1.2.3") == .string && kind("10.0.0.1/24") == .string && kind("64Mi") == .string && kind("e3") == .string)
        if case .ambiguousNumber = kind("0755") {} else { Issue.record("0755") }
        if case .ambiguousNumber = kind("0o17") {} else { Issue.record("0o17") }
        if case .ambiguousNumber = kind("-5") {} else { Issue.record("-5") }
    }
}
