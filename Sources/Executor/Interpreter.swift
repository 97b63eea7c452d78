import System

/// The interpreter an executable names: an ELF file's program interpreter (its PT_INTERP
/// program header: the dynamic loader, `/lib64/ld-linux-x86-64.so.2`), or a script's `#!` line.
/// execve fails with ENOENT when that file is missing, as if the command itself were: read only
/// after an exec has failed so, to say which file is missing.
enum Interpreter: Equatable {
    case elf(String)
    case script(String)

    var path: String {
        switch self {
        case .elf(let p), .script(let p): p
        }
    }

    /// What `bytes` (a file's first bytes) names, or nil (a static binary, no `#!`, too short).
    /// `more` is called with a length when the interpreter's name lies past what was read.
    static func named(in bytes: [UInt8], more: (Int) -> [UInt8]? = { _ in nil }) -> Interpreter? {
        if bytes.count >= 2 && bytes[0] == 0x23 && bytes[1] == 0x21 { return script(bytes) }
        return elf(bytes, more: more)
    }

    /// `#!interpreter [argument]`: the kernel reads the first line (at most 255 bytes), skips
    /// blanks after `#!`, and takes the interpreter up to the next blank.
    private static func script(_ bytes: [UInt8]) -> Interpreter? {
        var name: [UInt8] = []
        for b in bytes.dropFirst(2).prefix(253) {
            if b == 0x0A || b == 0 { break }
            if b == 0x20 || b == 0x09 {
                if name.isEmpty { continue }
                break
            }
            name.append(b)
        }
        return name.isEmpty ? nil : .script(String(decoding: name, as: UTF8.self))
    }

    /// The PT_INTERP segment's path, for 32- and 64-bit ELF of either byte order.
    private static func elf(_ first: [UInt8], more: (Int) -> [UInt8]?) -> Interpreter? {
        var bytes = first
        guard bytes.count >= 52, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return nil }
        let wide = bytes[4] == 2
        guard bytes[4] == 1 || wide, bytes[5] == 1 || bytes[5] == 2 else { return nil }
        let little = bytes[5] == 1
        func number(_ at: Int, _ size: Int) -> Int? {
            guard at >= 0, at + size <= bytes.count else { return nil }
            var n: UInt64 = 0
            for i in 0..<size {
                let b = UInt64(bytes[little ? at + size - 1 - i : at + i])
                n = n << 8 | b
            }
            return n > UInt64(Int32.max) ? nil : Int(n)
        }
        guard let phoff = number(wide ? 0x20 : 0x1C, wide ? 8 : 4), let phentsize = number(wide ? 0x36 : 0x2A, 2),
              let phnum = number(wide ? 0x38 : 0x2C, 2), phentsize >= (wide ? 56 : 32) else { return nil }
        for i in 0..<phnum {
            let header = phoff + i * phentsize
            if header + phentsize > bytes.count {
                guard header + phentsize <= 1 << 20, let longer = more(header + phentsize), longer.count >= header + phentsize else { return nil }
                bytes = longer
            }
            guard number(header, 4) == 3 else { continue }  // PT_INTERP
            guard let offset = number(header + (wide ? 8 : 4), wide ? 8 : 4), let size = number(header + (wide ? 0x20 : 0x10), wide ? 8 : 4),
                  size > 0, size <= 4096 else { return nil }
            if offset + size > bytes.count {
                guard offset + size <= 1 << 20, let longer = more(offset + size), longer.count >= offset + size else { return nil }
                bytes = longer
            }
            let name = bytes[offset..<(offset + size)].prefix { $0 != 0 }
            return name.isEmpty ? nil : .elf(String(decoding: name, as: UTF8.self))
        }
        return nil
    }
}

extension Executor {
    /// Why exec of `path`, which exists, failed with ENOENT: the first interpreter on the way
    /// that is missing (a script's interpreter may itself be a dynamic binary whose loader is
    /// missing), and the files that named it, outermost first. Nil when every one exists (the
    /// ENOENT has another cause) or the file cannot be read.
    func missingInterpreter(of path: String) -> (missing: Interpreter, chain: [String])? {
        var file = path
        var chain: [String] = []
        for _ in 0..<4 {  // the kernel follows at most four interpreters (binfmt's depth)
            guard let head = try? sys.readFile(.path(file), limit: 4096),
                  let interpreter = Interpreter.named(in: head.bytes, more: { [sys] n in (try? sys.readFile(.path(file), limit: n))?.bytes })
            else { return nil }
            chain.append(file)
            if (try? sys.fileKind(interpreter.path)) == nil { return (interpreter, chain) }
            file = interpreter.path
        }
        return nil
    }

    /// The failure of an exec (or posix_spawn) of `path` with `errno`: a missing interpreter
    /// named, where that is the cause; 127 for a file not found (also when what is not found is
    /// its interpreter, as bash and env(1) do), 126 for one that cannot be executed.
    func execFailure(_ op: String, _ path: String, errno: Errno) -> RunFailure {
        let notFound = errno == .ENOENT || errno == .ENOTDIR
        if errno == .ENOENT, (try? sys.fileKind(path)) == .regular, let (missing, chain) = missingInterpreter(of: path) {
            var message = "\(path) exists but "
            for (i, file) in chain.enumerated().dropFirst() { message += "\(i == 1 ? "its" : "whose") interpreter is \(file), " }
            message += chain.count > 1 ? "whose " : "its "
            switch missing {
            case .elf(let loader):
                message += "ELF interpreter (dynamic loader) \(loader) is not in the sandbox"
                if let target = danglingLink(loader) { message += " (it is a symlink to \(target), which is not)" }
                return RunFailure(message, errno: errno, hint: "a dynamically linked program needs its loader and libraries inside the sandbox: "
                                  + "bind /lib, /lib64 and /usr/lib read-only (or symlinks to them, as Debian's /lib -> usr/lib), "
                                  + "or run a statically linked program", exitCode: 127)
            case .script(let interpreter):
                message += "#! interpreter \(interpreter) is not in the sandbox"
                if let target = danglingLink(interpreter) { message += " (it is a symlink to \(target), which is not)" }
                return RunFailure(message, errno: errno, hint: "a script runs through the program its first line names: "
                                  + "bind that program (and what it needs) into the sandbox, or run the script with an interpreter that is there "
                                  + "(args: [/path/to/interpreter, \(path)])", exitCode: 127)
            }
        }
        return RunFailure("\(op) \(path)", errno: errno,
                          hint: notFound ? "the path must exist inside the sandbox (after the mount table)" : nil,
                          exitCode: notFound ? 127 : 126)
    }

    /// The target of `path` when it is a symlink (whose target is then missing).
    private func danglingLink(_ path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        guard let dir = try? sys.open(parent, [.path, .directory]) else { return nil }
        defer { sys.close(dir) }
        return (try? sys.readlinkAt(dir, String(path[path.index(after: slash)...]))) ?? nil
    }
}
