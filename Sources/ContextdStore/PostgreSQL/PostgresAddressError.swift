/// Why a `postgresql://` URL, a root certificate or a password cannot be used, in words for the
/// operator: what is wrong and what to write instead.
///
/// The reason never contains the password: it quotes only what follows the URL's last `@` (the
/// host, port, database and parameters) and never the user information before it.
public struct PostgresAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
