import Glibc
import System
import Testing

/// The real socket pair between nsspec's processes, and the guard on process creation.
@Suite struct ChannelTests {
    let sys = LinuxSystemCalls()

    @Test func messagesArriveWholeAndInOrder() throws {
        let (a, b) = try sys.socketPair()
        defer { sys.close(a); sys.close(b) }
        let long = String(repeating: "x", count: 3000)
        for message in [Message.handoff("maps written"), .pid(4242), .failure(exitCode: 125, text: long)] {
            try sys.send(message, passing: nil, on: a)
        }
        #expect(try sys.receive(on: b) == Received(.handoff("maps written")))
        #expect(try sys.receive(on: b) == Received(.pid(4242)))
        #expect(try sys.receive(on: b) == Received(.failure(exitCode: 125, text: long)))
        try sys.send(.handoff("host side ready"), passing: nil, on: b)
        #expect(try sys.receive(on: a) == Received(.handoff("host side ready")))
    }

    /// A descriptor travels with a message (SCM_RIGHTS) and works on the other side: what the
    /// terminal (a pty's master) and seccomp notifications need.
    @Test func aDescriptorTravelsWithAMessage() throws {
        let (a, b) = try sys.socketPair()
        defer { sys.close(a); sys.close(b) }
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        try sys.send(.handoff("terminal"), passing: fds[1], on: a)
        sys.close(fds[1])
        let received = try #require(try sys.receive(on: b))
        #expect(received.message == .handoff("terminal"))
        let fd = try #require(received.fd)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "a received descriptor is close-on-exec")
        var byte: UInt8 = 7
        #expect(Glibc.write(fd, &byte, 1) == 1)
        sys.close(fd)
        var got: UInt8 = 0
        #expect(read(fds[0], &got, 1) == 1 && got == 7)
        sys.close(fds[0])
    }

    /// End of file once every holder of the other end has closed it; a send to a closed pair
    /// is EPIPE (no SIGPIPE).
    @Test func endOfFileAndBrokenPipe() throws {
        let (a, b) = try sys.socketPair()
        sys.close(b)
        #expect(try sys.receive(on: a) == nil)
        #expect(throws: SystemError.self) { try sys.send(.pid(1), passing: nil, on: a) }
        do {
            try sys.send(.pid(1), passing: nil, on: a)
        } catch let error as SystemError {
            #expect(error.errno == .EPIPE)
        }
        sys.close(a)
    }

    /// The test runner has threads: nsspec would refuse to fork here (unshare(CLONE_NEWUSER) fails
    /// with EINVAL in a multithreaded process, and fork copies only one thread).
    @Test func noProcessIsMadeOnceNsspecHasAThread() throws {
        do {
            _ = try sys.clone([], name: "child") { 0 }
            Issue.record("clone succeeded in a multithreaded process")
        } catch let error as SystemError {
            #expect(error.errno == .EINVAL)
            #expect(error.object.contains("nsspec has started a thread"))
        }
    }

    @Test func kernelNamesRenderAsTheKernelSpellsThem() {
        #expect(CloneFlags([.newUser, .newNS]).description == "CLONE_NEWUSER|CLONE_NEWNS")
        #expect(CloneFlags().description == "0")
        #expect(MountFlags([.bind, .recursive]).description == "MS_BIND|MS_REC")
        #expect(MountAttributes(MountFlags([.readonly, .nodev, .bind])) == [.readonly, .nodev])
        #expect(OpenFlags([.path, .directory]).description == "O_DIRECTORY|O_PATH")
        #expect(Errno.ENOENT.description == "No such file or directory (ENOENT)")
        #expect(Errno(133).name == "errno 133")
    }
}

/// A failure too long for one message keeps its end, where the errno is.
@Suite struct LongFailureTests {
    @Test func theErrnoSurvivesALongMessage() throws {
        let sys = LinuxSystemCalls()
        let (a, b) = try sys.socketPair()
        defer { sys.close(a); sys.close(b) }
        let text = "spec.yaml:1:1: error: mounts: bind " + String(repeating: "/very/long/path", count: 600) + ": Operation not permitted (EPERM)\n"
        try sys.send(.failure(exitCode: 125, text: text), passing: nil, on: a)
        guard case .failure(125, let got)? = try sys.receive(on: b)?.message else {
            Issue.record("no failure received")
            return
        }
        #expect(got.count < text.count)
        #expect(got.hasPrefix("spec.yaml:1:1: error: mounts: bind /very/long/path"))
        #expect(got.hasSuffix(": Operation not permitted (EPERM)\n"), "\(got.suffix(80))")
        #expect(got.contains("bytes left out"))
    }
}
