import Planning

extension Executor {
    func uts(_ action: Action) throws {
        switch action {
        case .setHostname(let name): try sys.sethostname(name)
        case .setDomainname(let name): try sys.setdomainname(name)
        default: break
        }
    }
}
