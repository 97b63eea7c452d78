import Diagnostics
import SpecFormat
import System

/// The kernel, for the CLI as for the executor: every call goes through `SystemCalls`.
let system = LinuxSystemCalls()

/// A spec file's bytes (no Foundation on this path). Files over the size limit are read only
/// one byte past the limit, so a huge file costs nothing; `size` is its real size.
struct SpecInput {
    var name: String
    var bytes: [UInt8]
    var size: Int

    static func read(_ path: String, limit: Int = YAMLLimits().maxFileBytes) -> Result<SpecInput, Diagnostic> {
        let name = path == "-" ? "<stdin>" : path
        do {
            let contents = try system.readFile(path == "-" ? .standardInput : .path(path), limit: limit + 1)
            return .success(SpecInput(name: name, bytes: contents.bytes, size: contents.size))
        } catch let error as SystemError {
            return .failure(unreadable(name, error.errno, detail: error.detail))
        } catch {
            return .failure(unreadable(name, .EIO))
        }
    }

    static func unreadable(_ name: String, _ err: Errno, detail: String? = nil) -> Diagnostic {
        .error("file-unreadable", "cannot read the spec: \(detail ?? err.message)",
               at: SourceLocation(file: name, line: 0, column: 0),
               hint: err == .ENOENT && name == "nsspec.yaml"
                   ? "no ./nsspec.yaml here; give the spec's path (nsspec validate PATH)" : nil)
    }
}

/// Standard output and standard error, written whole.
enum Output {
    static func write(_ s: String) { system.write(s, to: 1) }
    static func error(_ s: String) { system.write(s, to: 2) }
}
