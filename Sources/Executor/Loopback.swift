extension Executor {
    /// A new net namespace has `lo`, down.
    func loopback() throws {
        try sys.interfaceUp("lo")
    }
}
