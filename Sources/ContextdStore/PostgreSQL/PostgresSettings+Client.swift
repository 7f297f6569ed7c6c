import ContextdEvents
public import PostgresNIO

extension PostgresSettings {
    /// postgres-nio's pool configuration: the address's, with the password, at most
    /// ``poolSize`` connections, and `statement_timeout` set in every connection's startup
    /// message (so that no statement of contextd runs without it, and no extra round trip
    /// sets it).
    public func clientConfiguration() throws(PostgresAddressError) -> PostgresClient.Configuration {
        var configuration = try address.clientConfiguration(password: password)
        configuration.options.maximumConnections = poolSize
        configuration.options.additionalStartupParameters += startupParameters
        return configuration
    }

    /// One connection's configuration, with the same password and statement timeout.
    public func connectionConfiguration() throws(PostgresAddressError) -> PostgresConnection.Configuration {
        var configuration = try address.connectionConfiguration(password: password)
        configuration.options.additionalStartupParameters += startupParameters
        return configuration
    }

    private var startupParameters: [(String, String)] {
        [("statement_timeout", "\(statementTimeout.milliseconds)ms")]
    }
}
