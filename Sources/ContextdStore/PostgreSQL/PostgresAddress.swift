/// Where a PostgreSQL store is and how to reach it: the parsed form of a libpq-style URL,
/// `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…&sslrootcert=…&connect_timeout=…&application_name=…]`.
///
/// libpq's URL syntax, because operators and their tools (psql, pg_dump, every driver) already
/// write it; the subset that one TCP server needs. Parsed once when the configuration loads
/// (`init(parsing:)`), so that a typo is reported with its line before the daemon starts rather
/// than as a connection failure later. `description` is the URL without its password.
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    /// The role to log in as.
    public var user: String
    /// The password written in the URL, if any (`store_password_file` is the other way).
    public var password: PostgresPassword?
    /// A host name or an IP address; an IPv6 address without its brackets.
    public var host: String
    /// 1–65535; 5432 when the URL gives none.
    public var port: Int
    public var database: String
    /// `sslmode`; libpq's default, `prefer`, when absent.
    public var sslMode: PostgresSSLMode
    /// `sslrootcert`: a PEM file of the certificate authorities to trust. Nil: the system's
    /// roots (for `verify-ca` and `verify-full`).
    public var rootCertificate: String?
    /// `connect_timeout`, in seconds; nil keeps postgres-nio's default (10 s).
    public var connectTimeoutSeconds: Int?
    /// `application_name`, shown in `pg_stat_activity`; "contextd" when absent.
    public var applicationName: String?

    /// The port PostgreSQL listens on unless told otherwise.
    public static let defaultPort = 5432
    /// What `pg_stat_activity.application_name` shows when the URL does not say.
    public static let defaultApplicationName = "contextd"

    public init(user: String, password: PostgresPassword? = nil, host: String, port: Int = defaultPort,
        database: String, sslMode: PostgresSSLMode = .prefer, rootCertificate: String? = nil,
        connectTimeoutSeconds: Int? = nil, applicationName: String? = nil)
    {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.rootCertificate = rootCertificate
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// The URL without the password (which is never shown): user, host, port, database and the
    /// parameters that were given, in a fixed order.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : URLText.encoded(host)
        var text = "postgresql://\(URLText.encoded(user))@\(hostText):\(port)/\(URLText.encoded(database))"
        var parameters = ["sslmode=\(sslMode.rawValue)"]
        if let rootCertificate { parameters.append("sslrootcert=\(URLText.encoded(rootCertificate, keeping: "/"))") }
        if let connectTimeoutSeconds { parameters.append("connect_timeout=\(connectTimeoutSeconds)") }
        if let applicationName { parameters.append("application_name=\(URLText.encoded(applicationName))") }
        text += "?" + parameters.joined(separator: "&")
        return text
    }
}
