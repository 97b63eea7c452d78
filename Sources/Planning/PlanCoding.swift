import Diagnostics
import SpecFormat

/// A plan as bytes, for nsspec's cache of compiled plans: `run` stores the plan it made from a
/// spec and, when the same spec is run again, decodes it instead of reading, validating and
/// planning the spec anew. Compact (tags and LEB128 numbers; a step's location as line and
/// column, its file being the plan's), and strict to decode: anything short, long, unknown or
/// out of range is nil, never a trap — the cache checks an entry's authenticity before this,
/// but the decoder does not rely on it.
extension Plan {
    public func encoded() -> [UInt8] {
        var w = PlanWriter()
        w.string(file)
        w.optional(name) { $0.string($1) }
        w.number(caller.uid)
        w.number(caller.gid)
        w.bool(caller.privileged)
        w.string(caller.cwd)
        w.number(steps.count)
        for step in steps {
            w.byte(step.stage.code)
            w.actor(step.actor)
            w.action(step.action)
            w.location(step.location, in: file)
        }
        return w.bytes
    }

    /// The plan `encoded()` made, or nil.
    public init?(encoded bytes: [UInt8]) {
        var r = PlanReader(bytes)
        guard let file = r.string(), let name = r.optional({ $0.string() }), let uid = r.u32(), let gid = r.u32(),
              let privileged = r.bool(), let cwd = r.string(), let count = r.count() else { return nil }
        var steps: [Step] = []
        steps.reserveCapacity(count)
        for _ in 0..<count {
            guard let stage = r.byte().flatMap(Stage.init(code:)), let actor = r.actor(), let action = r.action(),
                  let location = r.location(in: file) else { return nil }
            steps.append(Step(stage, actor, action, at: location))
        }
        guard r.atEnd else { return nil }
        self.init(file: file, name: name, steps: steps, caller: Caller(uid: uid, gid: gid, privileged: privileged, cwd: cwd))
    }
}

struct PlanWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }
    mutating func bool(_ b: Bool) { byte(b ? 1 : 0) }

    /// LEB128.
    mutating func number<T: BinaryInteger>(_ value: T) {
        var v = UInt64(value)
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(v))
    }

    mutating func string(_ s: String) {
        number(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }

    mutating func strings(_ list: [String]) {
        number(list.count)
        for s in list { string(s) }
    }

    mutating func optional<T>(_ value: T?, _ put: (inout PlanWriter, T) -> Void) {
        bool(value != nil)
        if let value { put(&self, value) }
    }

    mutating func location(_ l: SourceLocation, in file: String) {
        let same = l.file == file
        bool(same)
        if !same { string(l.file) }
        number(l.line)
        number(l.column)
        number(l.length)
    }

    mutating func idKind(_ k: IDKind) { byte(k == .uid ? 0 : 1) }
    mutating func actor(_ a: Actor) { byte(a.code) }

    mutating func outside(_ o: IDMapEntry.Outside) {
        switch o {
        case .id(let id): byte(0); number(id)
        case .caller: byte(1)
        case .subordinate: byte(2)
        }
    }

    mutating func layer(_ l: OverlayLayer) {
        switch l {
        case .none: byte(0)
        case .tmpfs: byte(1)
        case .directory(let upper, let work): byte(2); string(upper); string(work)
        }
    }

    mutating func flags(_ f: MountOptions) {
        byte((f.readonly ? 1 : 0) | (f.nosuid ? 2 : 0) | (f.nodev ? 4 : 0) | (f.noexec ? 8 : 0))
    }

    mutating func address(_ a: IPAddress) {
        switch a {
        case .v4(let v): byte(4); number(v)
        case .v6(let h, let l): byte(6); number(h); number(l)
        }
    }

    mutating func cidr(_ c: CIDR) {
        address(c.address)
        number(c.prefix)
    }

    mutating func port(_ p: PastaPlan.Port) {
        number(p.host)
        number(p.inside)
        string(p.proto.rawValue)
        optional(p.hostAddress) { $0.address($1) }
    }

    mutating func limit(_ v: Rlimit.Value) {
        switch v {
        case .limit(let n): byte(0); number(n)
        case .unlimited: byte(1)
        }
    }

    mutating func env(_ list: [EnvEntry]) {
        number(list.count)
        for entry in list {
            switch entry {
            case .set(let name, let value): byte(0); string(name); string(value)
            case .pass(let name): byte(1); string(name)
            }
        }
    }

    mutating func policy(_ p: SeccompPolicy) {
        string(p.profile.rawValue)
        strings(p.allow)
        strings(p.deny)
        strings(p.capabilities)
        bool(p.nestedNamespaces)
    }

    mutating func action(_ action: Action) {
        switch action {
        case .checkMapHelper(let k): byte(0); idKind(k)
        case .checkSubordinateRange(let k, let count): byte(1); idKind(k); number(count)
        case .checkSource(let path, let optional): byte(2); string(path); bool(optional)
        case .checkTarget(let path, let directory): byte(3); string(path); bool(directory)
        case .runFromSealedCopy: byte(4)
        case .openChannel: byte(5)
        case .watchParent: byte(6)
        case .fork(let a): byte(7); actor(a)
        case .clone(let a, let kinds):
            byte(8)
            actor(a)
            strings(kinds.map(\.rawValue))
        case .dieWithParent: byte(9)
        case .notDumpable: byte(10)
        case .handoff(let h, let to): byte(11); string(h.rawValue); actor(to)
        case .unshare(let k): byte(12); string(k.rawValue)
        case .join(let k, let path): byte(13); string(k.rawValue); string(path)
        case .writeSetgroups(let p, let of): byte(14); string(p.rawValue); actor(of)
        case .writeMap(let k, let lines, let helper, let of):
            byte(15)
            idKind(k)
            number(lines.count)
            for line in lines {
                number(line.inside)
                outside(line.outside)
                number(line.count)
            }
            bool(helper)
            actor(of)
        case .setHostname(let n): byte(16); string(n)
        case .setDomainname(let n): byte(17); string(n)
        case .makeRootPrivate: byte(18)
        case .enterStaging: byte(19)
        case .mountRootTmpfs: byte(20)
        case .bindRoot(let path, let readonly): byte(21); string(path); bool(readonly)
        case .bind(let source, let target, let optional, let recursive, let f, let propagation):
            byte(22)
            string(source)
            string(target)
            bool(optional)
            bool(recursive)
            flags(f)
            string(propagation.rawValue)
        case .tmpfs(let target, let size, let mode, let f):
            byte(23)
            string(target)
            optional(size) { w, size in
                switch size {
                case .bytes(let n): w.byte(0); w.number(n)
                case .percent(let p): w.byte(1); w.number(p)
                }
            }
            optional(mode) { $0.number($1) }
            flags(f)
        case .proc(let target): byte(24); string(target)
        case .sysfs(let target, let readonly): byte(25); string(target); bool(readonly)
        case .dev(let target): byte(26); string(target)
        case .devpts(let target): byte(27); string(target)
        case .mqueue(let target): byte(28); string(target)
        case .directory(let target, let mode): byte(29); string(target); optional(mode) { $0.number($1) }
        case .file(let target, let content, let mode):
            byte(30)
            string(target)
            string(content)
            optional(mode) { $0.number($1) }
        case .symlink(let target, let link): byte(31); string(target); string(link)
        case .maskPaths(let paths): byte(32); strings(paths)
        case .readonlyPaths(let paths): byte(33); strings(paths)
        case .pivotRoot: byte(34)
        case .remountRootReadonly: byte(35)
        case .readonlyHostTree: byte(36)
        case .checkNetworkAdmin: byte(37)
        case .checkHostInterface(let name): byte(38); string(name)
        case .checkHostAddresses(let list): byte(39); number(list.count); for c in list { cidr(c) }
        case .createVeth(let pair, let peerIn):
            byte(40)
            optional(pair.host) { $0.string($1) }
            string(pair.peer)
            optional(pair.mtu) { $0.number($1) }
            optional(pair.mac) { w, mac in w.number(mac.octets.count); w.bytes += mac.octets }
            actor(peerIn)
        case .addAddress(let interface, let c): byte(41); string(interface); cidr(c)
        case .linkUp(let name): byte(42); string(name)
        case .addRoute(let interface, let to, let via):
            byte(43)
            string(interface)
            optional(to) { $0.cidr($1) }
            optional(via) { $0.address($1) }
        case .loopbackUp: byte(44)
        case .checkPasta: byte(73)
        case .checkTun: byte(74)
        case .checkHostPort(let p): byte(75); port(p)
        case .startPasta(let pasta):
            byte(76)
            number(pasta.ports.count)
            for p in pasta.ports { port(p) }
            bool(pasta.configure)
            bool(pasta.mapGateway)
            bool(pasta.dns)
            bool(pasta.userNamespace)
            bool(pasta.runAsRoot)
        case .resolvConf(let nameserver): byte(77); string(nameserver)
        case .checkPastaInterface(let name): byte(78); string(name)
        case .setRlimit(let name, let soft, let hard): byte(45); string(name); limit(soft); limit(hard)
        case .setGroups(let groups, let joined): byte(46); number(groups.count); for g in groups { number(g) }; bool(joined)
        case .setGid(let gid): byte(47); number(gid)
        case .setUid(let uid): byte(48); number(uid)
        case .capabilities(let keep): byte(49); strings(keep)
        case .noNewPrivileges: byte(50)
        case .newSession: byte(51)
        case .newSessionKeyring: byte(52)
        case .compileSeccomp(let p): byte(53); policy(p)
        case .loadSeccomp(let p): byte(54); policy(p)
        case .exec(let args, let cwd, let e): byte(55); strings(args); optional(cwd) { $0.string($1) }; env(e)
        case .spawn(let args, let cwd, let e): byte(56); strings(args); optional(cwd) { $0.string($1) }; env(e)
        case .reapAndForward: byte(57)
        case .childExits: byte(58)
        case .checkTerminal(let required): byte(60); bool(required)
        case .privateDevpts: byte(61)
        case .openTerminal: byte(62)
        case .overlayRoot(let lower, let upper, let userns): byte(70); string(lower); layer(upper); bool(userns)
        case .overlay(let target, let lower, let upper, let userns): byte(71); string(target); strings(lower); layer(upper); bool(userns)
        case .checkOverlay(let upper, let userns): byte(72); layer(upper); bool(userns)
        case .adoptMappedID(let k, let caller, let to): byte(63); idKind(k); number(caller); number(to)
        case .checkNamespacePath(let k, let path): byte(64); string(k.rawValue); string(path)
        case .supervise(let statusOf, let reap):
            byte(59)
            actor(statusOf)
            number(reap.count)
            for a in reap { actor(a) }
        }
    }
}

struct PlanReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() -> Bool? {
        switch byte() {
        case 0: false
        case 1: true
        default: nil
        }
    }

    /// LEB128, at most 64 bits, in its shortest form.
    mutating func u64() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let b = byte() {
            let bits = UInt64(b & 0x7F)
            guard shift < 64, shift < 63 || bits <= 1 else { return nil }
            value |= bits << shift
            if b & 0x80 == 0 { return (b == 0 && shift > 0) ? nil : value }
            shift += 7
        }
        return nil
    }

    mutating func u32() -> UInt32? { u64().flatMap { UInt32(exactly: $0) } }
    mutating func int() -> Int? { u64().flatMap { Int(exactly: $0) } }

    /// A count of things still to read: each takes a byte at least, so more than the bytes left
    /// is damage (and no huge allocation).
    mutating func count() -> Int? { int().flatMap { $0 <= bytes.count - offset ? $0 : nil } }

    mutating func string() -> String? {
        guard let n = count() else { return nil }
        let slice = bytes[offset..<(offset + n)]
        offset += n
        // The cache authenticates what it reads; a damaged sequence would come back repaired.
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func strings() -> [String]? { list { $0.string() } }

    mutating func list<T>(_ item: (inout PlanReader) -> T?) -> [T]? {
        guard let n = count() else { return nil }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            guard let x = item(&self) else { return nil }
            out.append(x)
        }
        return out
    }

    /// nil: damage; .some(nil): absent.
    mutating func optional<T>(_ item: (inout PlanReader) -> T?) -> T?? {
        guard let present = bool() else { return nil }
        guard present else { return .some(nil) }
        guard let value = item(&self) else { return nil }
        return .some(value)
    }

    mutating func named<T: RawRepresentable>(_: T.Type) -> T? where T.RawValue == String { string().flatMap(T.init(rawValue:)) }
    mutating func actor() -> Actor? { byte().flatMap(Actor.init(code:)) }

    mutating func location(in file: String) -> SourceLocation? {
        guard let same = bool() else { return nil }
        var name = file
        if !same {
            guard let other = string() else { return nil }
            name = other
        }
        guard let line = int(), let column = int(), let length = int(), length >= 1 else { return nil }
        return SourceLocation(file: name, line: line, column: column, length: length)
    }

    mutating func idKind() -> IDKind? {
        switch byte() {
        case 0: .uid
        case 1: .gid
        default: nil
        }
    }

    mutating func outside() -> IDMapEntry.Outside? {
        switch byte() {
        case 0: u32().map { .id($0) }
        case 1: .caller
        case 2: .subordinate
        default: nil
        }
    }

    mutating func layer() -> OverlayLayer? {
        switch byte() {
        case 0: return OverlayLayer.none
        case 1: return .tmpfs
        case 2:
            guard let upper = string(), let work = string() else { return nil }
            return .directory(upper: upper, work: work)
        default: return nil
        }
    }

    mutating func flags() -> MountOptions? {
        guard let b = byte(), b < 16 else { return nil }
        return MountOptions(readonly: b & 1 != 0, nosuid: b & 2 != 0, nodev: b & 4 != 0, noexec: b & 8 != 0)
    }

    mutating func address() -> IPAddress? {
        switch byte() {
        case 4: return u32().map { .v4($0) }
        case 6:
            guard let h = u64(), let l = u64() else { return nil }
            return .v6(high: h, low: l)
        default: return nil
        }
    }

    mutating func cidr() -> CIDR? {
        guard let a = address(), let p = int(), p <= a.bitWidth else { return nil }
        return CIDR(address: a, prefix: p)
    }

    mutating func port() -> PastaPlan.Port? {
        guard let host = int(), (1...65535).contains(host), let inside = int(), (1...65535).contains(inside),
              let proto = named(PortProtocol.self), let address = optional({ $0.address() }) else { return nil }
        return PastaPlan.Port(host: host, inside: inside, proto: proto, hostAddress: address)
    }

    mutating func limit() -> Rlimit.Value? {
        switch byte() {
        case 0: u64().map { .limit($0) }
        case 1: .unlimited
        default: nil
        }
    }

    mutating func env() -> [EnvEntry]? {
        list { r in
            switch r.byte() {
            case 0:
                guard let name = r.string(), let value = r.string() else { return nil }
                return .set(name, value)
            case 1: return r.string().map { .pass($0) }
            default: return nil
            }
        }
    }

    mutating func policy() -> SeccompPolicy? {
        guard let profile = named(Seccomp.Profile.self), let allow = strings(), let deny = strings(),
              let capabilities = strings(), let nested = bool() else { return nil }
        return SeccompPolicy(profile: profile, allow: allow, deny: deny, capabilities: capabilities, nestedNamespaces: nested)
    }

    mutating func mode() -> UInt32?? { optional { $0.u32().flatMap { $0 <= 0o7777 ? $0 : nil } } }

    mutating func command() -> (args: [String], cwd: String?, env: [EnvEntry])? {
        guard let args = strings(), let cwd = optional({ $0.string() }), let env = env() else { return nil }
        return (args, cwd, env)
    }

    mutating func action() -> Action? {
        guard let tag = byte() else { return nil }
        switch tag {
        case 0: return idKind().map { .checkMapHelper($0) }
        case 1:
            guard let k = idKind(), let n = u64() else { return nil }
            return .checkSubordinateRange(k, count: n)
        case 2:
            guard let path = string(), let optional = bool() else { return nil }
            return .checkSource(path: path, optional: optional)
        case 3:
            guard let path = string(), let directory = bool() else { return nil }
            return .checkTarget(path: path, directory: directory)
        case 4: return .runFromSealedCopy
        case 5: return .openChannel
        case 6: return .watchParent
        case 7: return actor().map { .fork($0) }
        case 8:
            guard let a = actor(), let kinds = list({ $0.named(NamespaceKind.self) }) else { return nil }
            return .clone(a, kinds)
        case 9: return .dieWithParent
        case 10: return .notDumpable
        case 11:
            guard let h = named(Handoff.self), let to = actor() else { return nil }
            return .handoff(h, to: to)
        case 12: return named(NamespaceKind.self).map { .unshare($0) }
        case 13:
            guard let k = named(NamespaceKind.self), let path = string() else { return nil }
            return .join(k, path: path)
        case 14:
            guard let p = named(SetgroupsPolicy.self), let of = actor() else { return nil }
            return .writeSetgroups(p, of: of)
        case 15:
            guard let k = idKind(),
                  let lines = list({ r -> MapLine? in
                      guard let inside = r.u32(), let outside = r.outside(), let count = r.u32() else { return nil }
                      return MapLine(inside: inside, outside: outside, count: count)
                  }),
                  let helper = bool(), let of = actor() else { return nil }
            return .writeMap(k, lines, helper: helper, of: of)
        case 16: return string().map { .setHostname($0) }
        case 17: return string().map { .setDomainname($0) }
        case 18: return .makeRootPrivate
        case 19: return .enterStaging
        case 20: return .mountRootTmpfs
        case 21:
            guard let path = string(), let readonly = bool() else { return nil }
            return .bindRoot(path: path, readonly: readonly)
        case 22:
            guard let source = string(), let target = string(), let optional = bool(), let recursive = bool(),
                  let f = flags(), let propagation = named(Propagation.self) else { return nil }
            return .bind(source: source, target: target, optional: optional, recursive: recursive, flags: f, propagation: propagation)
        case 23:
            guard let target = string(),
                  let size = optional({ r -> Size? in
                      switch r.byte() {
                      case 0: return r.u64().map { .bytes($0) }
                      case 1: return r.u64().flatMap { UInt8(exactly: $0) }.map { .percent($0) }
                      default: return nil
                      }
                  }),
                  let mode = mode(), let f = flags() else { return nil }
            return .tmpfs(target: target, size: size, mode: mode, flags: f)
        case 24: return string().map { .proc(target: $0) }
        case 25:
            guard let target = string(), let readonly = bool() else { return nil }
            return .sysfs(target: target, readonly: readonly)
        case 26: return string().map { .dev(target: $0) }
        case 27: return string().map { .devpts(target: $0) }
        case 28: return string().map { .mqueue(target: $0) }
        case 29:
            guard let target = string(), let mode = mode() else { return nil }
            return .directory(target: target, mode: mode)
        case 30:
            guard let target = string(), let content = string(), let mode = mode() else { return nil }
            return .file(target: target, content: content, mode: mode)
        case 31:
            guard let target = string(), let link = string() else { return nil }
            return .symlink(target: target, link: link)
        case 32: return strings().map { .maskPaths($0) }
        case 33: return strings().map { .readonlyPaths($0) }
        case 34: return .pivotRoot
        case 35: return .remountRootReadonly
        case 36: return .readonlyHostTree
        case 37: return .checkNetworkAdmin
        case 38: return string().map { .checkHostInterface($0) }
        case 39: return list({ $0.cidr() }).map { .checkHostAddresses($0) }
        case 40:
            guard let host = optional({ $0.string() }), let peer = string(), let mtu = optional({ $0.int() }),
                  let mac = optional({ r -> MACAddress? in
                      guard r.byte() == 6, r.offset + 6 <= r.bytes.count else { return nil }
                      defer { r.offset += 6 }
                      return MACAddress(octets: Array(r.bytes[r.offset..<(r.offset + 6)]))
                  }),
                  let peerIn = actor() else { return nil }
            return .createVeth(VethPair(host: host, peer: peer, mtu: mtu, mac: mac), peerIn: peerIn)
        case 41:
            guard let interface = string(), let c = cidr() else { return nil }
            return .addAddress(interface: interface, c)
        case 42: return string().map { .linkUp($0) }
        case 43:
            guard let interface = string(), let to = optional({ $0.cidr() }), let via = optional({ $0.address() }) else { return nil }
            return .addRoute(interface: interface, to: to, via: via)
        case 44: return .loopbackUp
        case 73: return .checkPasta
        case 74: return .checkTun
        case 75: return port().map { .checkHostPort($0) }
        case 76:
            guard let ports = list({ $0.port() }), let configure = bool(), let mapGateway = bool(), let dns = bool(),
                  let userNamespace = bool(), let runAsRoot = bool() else { return nil }
            return .startPasta(PastaPlan(ports: ports, configure: configure, mapGateway: mapGateway, dns: dns,
                                         userNamespace: userNamespace, runAsRoot: runAsRoot))
        case 77: return string().map { .resolvConf(nameserver: $0) }
        case 78: return string().map { .checkPastaInterface($0) }
        case 45:
            guard let name = string(), let soft = limit(), let hard = limit() else { return nil }
            return .setRlimit(name: name, soft: soft, hard: hard)
        case 46:
            guard let groups = list({ $0.u32() }), let joined = bool() else { return nil }
            return .setGroups(groups, joinedUserNamespace: joined)
        case 47: return u32().map { .setGid($0) }
        case 48: return u32().map { .setUid($0) }
        case 49: return strings().map { .capabilities(keep: $0) }
        case 50: return .noNewPrivileges
        case 51: return .newSession
        case 52: return .newSessionKeyring
        case 53: return policy().map { .compileSeccomp($0) }
        case 54: return policy().map { .loadSeccomp($0) }
        case 55: return command().map { .exec(args: $0.args, cwd: $0.cwd, env: $0.env) }
        case 56: return command().map { .spawn(args: $0.args, cwd: $0.cwd, env: $0.env) }
        case 57: return .reapAndForward
        case 58: return .childExits
        case 59:
            guard let statusOf = actor(), let reap = list({ $0.actor() }) else { return nil }
            return .supervise(statusOf: statusOf, reap: reap)
        case 60: return bool().map { .checkTerminal(required: $0) }
        case 61: return .privateDevpts
        case 62: return .openTerminal
        case 70:
            guard let lower = string(), let upper = layer(), let userns = bool() else { return nil }
            return .overlayRoot(lower: lower, upper: upper, userNamespace: userns)
        case 71:
            guard let target = string(), let lower = strings(), let upper = layer(), let userns = bool() else { return nil }
            return .overlay(target: target, lower: lower, upper: upper, userNamespace: userns)
        case 72:
            guard let upper = layer(), let userns = bool() else { return nil }
            return .checkOverlay(upper: upper, userNamespace: userns)
        case 64:
            guard let k = named(NamespaceKind.self), let path = string() else { return nil }
            return .checkNamespacePath(k, path: path)
        case 63:
            guard let kind = idKind(), let caller = u32(), let to = u32() else { return nil }
            return .adoptMappedID(kind, caller: caller, to: to)
        default: return nil
        }
    }
}

// Stages and actors by number, without `allCases` (an array, and its type's metadata, made at
// run time on the path that a cached plan keeps short).
extension Stage {
    var code: UInt8 {
        switch self {
        case .preflight: 0
        case .sandboxProcess: 1
        case .userNamespace: 2
        case .idmaps: 3
        case .namespaces: 4
        case .hostNetwork: 5
        case .uts: 6
        case .mounts: 7
        case .network: 8
        case .process: 9
        case .supervise: 10
        }
    }

    init?(code: UInt8) {
        switch code {
        case 0: self = .preflight
        case 1: self = .sandboxProcess
        case 2: self = .userNamespace
        case 3: self = .idmaps
        case 4: self = .namespaces
        case 5: self = .hostNetwork
        case 6: self = .uts
        case 7: self = .mounts
        case 8: self = .network
        case 9: self = .process
        case 10: self = .supervise
        default: return nil
        }
    }
}

extension Actor {
    var code: UInt8 {
        switch self {
        case .parent: 0
        case .child: 1
        case .`init`: 2
        }
    }

    init?(code: UInt8) {
        switch code {
        case 0: self = .parent
        case 1: self = .child
        case 2: self = .`init`
        default: return nil
        }
    }
}
