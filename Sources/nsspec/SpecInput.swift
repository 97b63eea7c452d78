import Diagnostics
import SpecFormat

#if canImport(Glibc)
import Glibc
#endif

/// A spec file's bytes, read with plain syscalls (no Foundation on this path). Files over the
/// size limit are read only as far as the limit, so a huge file costs nothing.
struct SpecInput {
    var name: String
    var bytes: [UInt8]
    var size: Int

    static func read(_ path: String, limit: Int = YAMLLimits().maxFileBytes) -> Result<SpecInput, Diagnostic> {
        let name = path == "-" ? "<stdin>" : path
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(unreadable(name, errno)) }
        defer { if path != "-" { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            return .failure(unreadable(name, EISDIR))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(unreadable(name, errno))
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        let isRegular = (st.st_mode & S_IFMT) == S_IFREG
        let size = isRegular && Int(st.st_size) > bytes.count ? Int(st.st_size) : bytes.count
        return .success(SpecInput(name: name, bytes: bytes, size: size))
    }

    static func unreadable(_ name: String, _ err: Int32) -> Diagnostic {
        .error("file-unreadable", "cannot read the spec: \(String(cString: strerror(err)))",
               at: SourceLocation(file: name, line: 0, column: 0),
               hint: err == ENOENT && name == "nsspec.yaml"
                   ? "no ./nsspec.yaml here; give the spec's path (nsspec validate PATH)" : nil)
    }
}

/// Writes straight to the file descriptors, without stdio buffers (nothing to flush before a fork).
enum Output {
    static func write(_ s: String) { write(s, to: 1) }
    static func error(_ s: String) { write(s, to: 2) }

    private static func write(_ s: String, to fd: Int32) {
        var bytes = Array(s.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
