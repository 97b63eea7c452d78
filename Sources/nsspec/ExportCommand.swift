import Diagnostics
import Executor
import Planning
import System
import Validation

/// `nsspec export --format oci [-o DIR] [--lossy] [FILE] [-- CMD…]` (issue 19, in progress): the
/// sandbox the spec describes, as an OCI runtime bundle (DIR/config.json and DIR/rootfs).
struct ExportRequest {
    var file = "nsspec.yaml"
    var output: String?
    var lossy = false
    /// `-- CMD…`: instead of process.args, as for `run`.
    var command: [String] = []

    static let grammar = Arguments.Grammar(flags: ["--lossy": "lossy"], options: ["--format": "format", "-o": "output", "--output": "output"],
                                           takesCommand: true, subcommand: "export")

    static func parse(_ args: [String]) throws(UsageError) -> ExportRequest {
        let parsed = try Arguments.parse(args, grammar)
        _ = try parsed.choice("format", ["oci"], default: "oci", "export")
        guard parsed.positionals.count <= 1 else { throw UsageError("export takes one spec file", "export") }
        return ExportRequest(file: parsed.positionals.first ?? "nsspec.yaml", output: parsed.options["output"],
                             lossy: parsed.flags.contains("lossy"), command: parsed.command)
    }

    func run() -> Int32 {
        guard let (spec, caller) = prepareSpec(file, argsFromCommandLine: !command.isEmpty) else { return 1 }
        let plan = Planner(spec: spec, caller: caller, argsOverride: command.isEmpty ? nil : command).plan()
        // What nsspec does by default, with no key of the spec's, is no loss the spec asked for.
        var written: Set<String> = []
        if spec.process?.dieWithParent?.value == true { written.insert("process.dieWithParent") }
        if spec.process?.initProcess?.value == true { written.insert("process.init") }
        let executor = Executor(plan: plan, system: system)
        let name = plan.name ?? String(file.split(separator: "/").last ?? "spec").replacingSuffix(".yaml")
        let dir = output ?? name + ".oci"
        let bundle = dir.hasPrefix("/") ? dir : caller.cwd + "/" + dir
        let export = OCIExport(plan: plan, written: written, architecture: system.kernelRelease().machine, bundle: bundle, environment: { system.environmentValue($0) }) { kind, lines in
            do {
                return .success(try executor.resolvedMap(kind, lines))
            } catch {
                return .failure(OCIExport.Failure("\(error)"))
            }
        }
        func show(_ items: [OCIExport.Item], _ severity: String) -> String {
            items.map { "\($0.location.file):\($0.location.line):\($0.location.column): \(severity): \($0.message)\n" }.joined()
        }
        if !export.unsupported.isEmpty {
            Output.error(show(export.unsupported, "error") + "nsspec: export: nothing written\n")
            return 1
        }
        if !export.dropped.isEmpty && !lossy {
            Output.error(show(export.dropped, "error") + "nsspec: export: these have no OCI equivalent; --lossy exports the rest "
                         + "(each then a warning); nothing written\n")
            return 1
        }
        Output.error(show(export.dropped, "warning") + show(export.notes, "note"))
        if let entries = try? system.directoryEntries(dir), !entries.isEmpty {
            Output.error("nsspec: export: \(dir) exists and is not empty; nothing written (choose another -o DIR, or remove it)\n")
            return 1
        }
        do {
            try write(export, to: dir)
        } catch let error as SystemError {
            Output.error("nsspec: export: \(error.op) \(error.object): \(error.errno)\n")
            return 1
        } catch {
            Output.error("nsspec: export: \(dir): \(error)\n")
            return 1
        }
        Output.write("\(dir)/config.json (runtime-spec \(OCIExport.ociVersion))\n")
        return 0
    }

    private func write(_ export: OCIExport, to dir: String) throws {
        do { try system.mkdir(dir, mode: 0o755) } catch let error as SystemError where error.errno == .EEXIST {}
        try system.createFile(dir + "/config.json", with: Array(export.config.rendered().utf8), mode: 0o644)
        for path in export.bundleDirectories {
            try makeDirectories("", path, mode: path.hasSuffix("/work") ? 0o700 : 0o755)
        }
        guard export.ownRootfs else { return }
        let rootfs = dir + "/rootfs"
        try system.mkdir(rootfs, mode: 0o755)
        for entry in export.rootfsEntries {
            switch entry {
            case .directory(let target, let mode):
                try makeDirectories(rootfs, target, mode: mode ?? 0o755)
            case .file(let target, let content, let mode):
                try makeDirectories(rootfs, parent(target), mode: 0o755)
                try system.createFile(rootfs + target, with: Array(content.utf8), mode: mode ?? 0o644)
            case .symlink(let target, let link):
                try makeDirectories(rootfs, parent(target), mode: 0o755)
                let parentFd = try system.open(rootfs + parent(target), [.path, .directory])
                defer { system.close(parentFd) }
                try system.symlinkAt(link, parentFd, String(target.split(separator: "/").last ?? ""))
            default:
                break
            }
        }
    }

    private func parent(_ path: String) -> String {
        let parts = path.split(separator: "/").dropLast()
        return "/" + parts.joined(separator: "/")
    }

    private func makeDirectories(_ base: String, _ path: String, mode: UInt32) throws {
        var current = base
        for part in path.split(separator: "/") {
            current += "/" + part
            do { try system.mkdir(current, mode: mode) } catch let error as SystemError where error.errno == .EEXIST {}
        }
    }
}

extension String {
    func replacingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
