public import PostgresNIO
import NIOCore
import NIOSSL

extension PostgresAddress {
    /// postgres-nio's configuration of a pool of connections to this address.
    ///
    /// `allow` and `prefer` both become postgres-nio's `.prefer` (TLS when the server offers
    /// it): postgres-nio cannot try a plain connection first as libpq's `allow` does, and
    /// trying TLS first is the safer of the two. `require`, `verify-ca` and `verify-full`
    /// become `.require`: no TLS, no connection.
    ///
    /// - Parameter password: the password to send; the URL's when nil.
    public func clientConfiguration(password: PostgresPassword? = nil) throws(PostgresAddressError)
        -> PostgresClient.Configuration
    {
        let tls: PostgresClient.Configuration.TLS
        let settings = try tlsConfiguration()
        switch (sslMode, settings) {
        case (.disable, _), (_, nil): tls = .disable
        case (.allow, let settings?), (.prefer, let settings?): tls = .prefer(settings)
        case (_, let settings?): tls = .require(settings)
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user,
            password: (password ?? self.password)?.revealed, database: database, tls: tls)
        if let connectTimeoutSeconds { configuration.options.connectTimeout = .seconds(connectTimeoutSeconds) }
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// postgres-nio's configuration of one connection to this address (`PostgresConnection.connect`),
    /// with the same TLS as ``clientConfiguration(password:)``.
    public func connectionConfiguration(password: PostgresPassword? = nil) throws(PostgresAddressError)
        -> PostgresConnection.Configuration
    {
        let tls: PostgresConnection.Configuration.TLS
        let settings = try tlsConfiguration()
        do {
            switch (sslMode, settings) {
            case (.disable, _), (_, nil): tls = .disable
            case (.allow, let settings?), (.prefer, let settings?): tls = .prefer(try NIOSSLContext(configuration: settings))
            case (_, let settings?): tls = .require(try NIOSSLContext(configuration: settings))
            }
        } catch {
            throw PostgresAddressError("cannot set up TLS for \(self): \(error)")
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user,
            password: (password ?? self.password)?.revealed, database: database, tls: tls)
        if let connectTimeoutSeconds { configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds)) }
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// Run-time settings sent in the startup message, applied before the first statement.
    var startupParameters: [(String, String)] {
        [("application_name", applicationName ?? Self.defaultApplicationName)]
    }
}
