import Executor
import System

/// `nsspec cache clear`: removes every entry of the caller's cache (compiled plans and seccomp
/// programs), and nothing else; `nsspec cache path` prints where it is.
struct CacheRequest {
    enum Action: String { case clear, path }
    var action: Action

    static let grammar = Arguments.Grammar(subcommand: "cache")

    static func parse(_ args: [String]) throws(UsageError) -> CacheRequest {
        let parsed = try Arguments.parse(args, grammar)
        guard let word = parsed.positionals.first else { throw UsageError("cache needs an action: clear or path", "cache") }
        guard parsed.positionals.count == 1 else {
            throw UsageError("cache takes one action, not \(parsed.positionals.count) (\(parsed.positionals.joined(separator: " ")))", "cache")
        }
        guard let action = Action(rawValue: word) else {
            throw UsageError("no cache action '\(word)'; the actions are clear and path", "cache")
        }
        return CacheRequest(action: action)
    }

    func run() -> Int32 {
        switch action {
        case .path:
            guard let directory = CacheStore.directory(system) else {
                Output.error("nsspec: no cache directory: neither XDG_CACHE_HOME nor HOME is set to an absolute path\n")
                return 1
            }
            Output.write(directory + "\n")
            return 0
        case .clear:
            guard let directory = CacheStore.directory(system) else {
                Output.write("nsspec: no cache directory; nothing to clear\n")
                return 0
            }
            do {
                let (entries, bytes) = try CacheStore.clear(directory, system)
                Output.write("removed \(entries) \(entries == 1 ? "entry" : "entries") (\(bytes) bytes) from \(directory)\n")
                return 0
            } catch let error as SystemError {
                Output.error("nsspec: cannot clear \(directory): \(error.op) \(error.object): \(error.errno.message)\n")
                return 1
            } catch {
                Output.error("nsspec: cannot clear \(directory): \(error)\n")
                return 1
            }
        }
    }
}
