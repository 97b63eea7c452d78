import Executor
import Planning

/// `run`'s compiled plans, in nsspec's cache (CacheStore). An entry answers exactly what the plan
/// is made of: nsspec's build, the spec's bytes, its path as given, the caller (uid, gid, root
/// or not, working directory) and a command given after `--`. A hit reads no YAML and runs no
/// rule and no planner; the plan's own preflight steps still check the host (bind sources,
/// subordinate ranges, helpers) on every run. One entry per spec path, caller and command:
/// an edited spec or a new nsspec replaces it.
struct PlanCache {
    static let format = "nsspec plan cache 1"

    let store: CacheStore
    let name: String
    let key: [UInt8]

    /// nil when this nsspec has no build id to tell its plans from another build's.
    init?(store: CacheStore, input: SpecInput, path: String, caller: Caller, argsOverride: [String]?) {
        let build = system.buildID()
        guard !build.isEmpty else { return nil }
        var identity = CacheKey(Self.format)
        identity.text(path)
        identity.text(caller.cwd)
        identity.number(UInt64(caller.uid))
        identity.number(UInt64(caller.gid))
        identity.number(caller.privileged ? 1 : 0)
        identity.number(argsOverride == nil ? 0 : 1)
        identity.list(argsOverride ?? [])
        var key = identity
        key.raw(build)
        key.number(UInt64(input.size))
        key.raw(input.bytes)
        self.store = store
        name = CacheStore.entryName("plan-", identity.bytes, ".bin")
        self.key = key.bytes
    }

    var path: String { store.path(name) }

    /// The plan, and its spec's warnings as `run` printed them.
    func load() -> (plan: Plan, warnings: String)? {
        guard let payload = store.read(name, kind: .plan, key: key), payload.count >= 4 else { return nil }
        var length = 0
        for i in 0..<4 { length |= Int(payload[i]) << (8 * i) }
        guard length <= payload.count - 4, case let warnings = String(decoding: payload[4..<(4 + length)], as: UTF8.self),
              let plan = Plan(encoded: Array(payload[(4 + length)...])) else { return nil }
        return (plan, warnings)
    }

    func save(_ plan: Plan, warnings: String) {
        var payload: [UInt8] = []
        CacheStore.appendLength(warnings.utf8.count, to: &payload)
        payload += warnings.utf8
        payload += plan.encoded()
        store.write(name, kind: .plan, key: key, payload: payload)
    }
}
