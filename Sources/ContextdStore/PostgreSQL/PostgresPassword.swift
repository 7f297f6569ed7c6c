/// A PostgreSQL password, which never shows itself.
///
/// Its `description`, `debugDescription` and mirror are asterisks, so that a password inside a
/// configuration value that is logged, interpolated or `dump`ed is never written anywhere. Only
/// ``revealed`` gives the text, for the one place that sends it to the server.
public struct PostgresPassword: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The password itself: only for postgres-nio's configuration.
    public let revealed: String

    public init(_ text: String) { revealed = text }

    public var description: String { "********" }
    public var debugDescription: String { "PostgresPassword(********)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
