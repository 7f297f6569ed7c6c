/// The store's server could not be reached when it was opened: it may be down or restarting,
/// so the daemon exits with a run-time failure (systemd starts it again) rather than with a
/// configuration error, which would stop it for good. A wrong password, a missing database or a
/// certificate that does not verify is not this: waiting changes nothing.
public struct StoreUnreachable: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
