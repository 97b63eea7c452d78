import Glibc
import System
import Testing

/// The real calls behind the claim of a sandbox's name (Sources/Executor/NamedSandbox.swift):
/// a file linked in whole only where nothing is, and the state directory's lock.
@Suite struct FileClaimTests {
    let sys = LinuxSystemCalls()

    func temporaryDirectory() throws -> String {
        var template = Array("/tmp/nsspec-claim-test.XXXXXX".utf8CString)
        let made = try #require(mkdtemp(&template))
        return String(cString: made)
    }

    func remove(_ dir: String) {
        for name in (try? sys.directoryEntries(dir)) ?? [] { unlink("\(dir)/\(name)") }
        rmdir(dir)
    }

    /// Whole, 0600, only where nothing is (a dangling symlink too), and no temporary name left.
    @Test func aNewFileIsLinkedInWholeOnlyWhereNothingIs() throws {
        let dir = try temporaryDirectory()
        defer { remove(dir) }
        try sys.linkNewFile("\(dir)/box", with: Array("first\n".utf8))
        do {
            try sys.linkNewFile("\(dir)/box", with: Array("second\n".utf8))
            Issue.record("a second file linked over the first")
        } catch let error as SystemError {
            #expect(error.errno == .EEXIST)
        }
        #expect(try sys.readFile(.path("\(dir)/box"), limit: 100).bytes == Array("first\n".utf8))
        #expect(try sys.linkStatus("\(dir)/box").mode & 0o7777 == 0o600)
        #expect(symlink("/nonexistent-nsspec-target", "\(dir)/dangling") == 0)
        #expect(throws: SystemError.self) { try sys.linkNewFile("\(dir)/dangling", with: [1]) }
        #expect(access("/nonexistent-nsspec-target", F_OK) != 0, "the symlink was not followed")
        #expect(try sys.directoryEntries(dir).sorted() == ["box", "dangling"])
        #expect(try sys.linkStatus("\(dir)/dangling").mode & 0o170000 == 0o120000, "lstat: the link itself")
    }

    /// The lock excludes another open of the directory until its fd is closed.
    @Test func theDirectoryLockIsHeldUntilClosed() throws {
        let dir = try temporaryDirectory()
        defer { remove(dir) }
        let lock = try sys.lockDirectory(dir)
        let other = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { Glibc.close(other) }
        #expect(flock(other, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        sys.close(lock)
        #expect(flock(other, LOCK_EX | LOCK_NB) == 0)
    }
}
