import PostgresNIO
import NIOSSL

/// Why a connection to PostgreSQL failed, in words the operator can act on.
///
/// postgres-nio's `PSQLError` describes itself as a generic sentence on purpose (so that it
/// never leaks a query); the cause is in its code, its server fields and its underlying
/// error. This reads them: a certificate that does not chain to `sslrootcert`, a host name the
/// certificate does not carry, a wrong password, a missing database, a refused connection. The
/// password is never part of the message.
public struct PostgresConnectionFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// Whether the server (or its certificate) answered no: a wrong password, a missing
    /// database, TLS refused or not verified. Waiting will not change it, unlike a server that
    /// does not answer at all.
    public var isAnswerOfTheServer: Bool

    public init(_ error: any Error, connectingTo address: PostgresAddress) {
        reason = "cannot connect to PostgreSQL at \(address): " + Self.cause(of: error, address: address)
        isAnswerOfTheServer = Self.isAnswer(error, address: address)
    }

    private static func isAnswer(_ error: any Error, address: PostgresAddress) -> Bool {
        guard let error = error as? PSQLError else { return tlsCause(of: error, address: address) != nil }
        switch error.code {
        case .sslUnsupported, .server, .authMechanismRequiresPassword, .unsupportedAuthMechanism: return true
        default: return error.underlying.map { tlsCause(of: $0, address: address) != nil } ?? false
        }
    }

    public var description: String { reason }

    private static func cause(of error: any Error, address: PostgresAddress) -> String {
        guard let error = error as? PSQLError else { return tlsCause(of: error, address: address) ?? "\(error)" }
        switch error.code {
        case .sslUnsupported:
            return "the server does not offer TLS, and sslmode=\(address.sslMode.rawValue) requires it"
        case .server:
            return serverCause(error, address: address)
        case .authMechanismRequiresPassword:
            return "the server asks user '\(address.user)' for a password and none is given; put it in "
                + "'store_password_file' (or in the URL)"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method postgres-nio does not support; use "
                + "scram-sha-256 or md5 in pg_hba.conf"
        default:
            if let underlying = error.underlying {
                return tlsCause(of: underlying, address: address) ?? "\(error.code): \(underlying)"
            }
            return "\(error.code)"
        }
    }

    /// The server's own message, made specific for the usual mistakes.
    private static func serverCause(_ error: PSQLError, address: PostgresAddress) -> String {
        let message = error.serverInfo?[.message] ?? "an error without a message"
        switch error.serverInfo?[.sqlState] {
        case "28P01":
            return "password authentication failed for user '\(address.user)'; check the password "
                + "('store_password_file' or the URL)"
        case "28000":
            return "the server refuses user '\(address.user)': \(message) (see pg_hba.conf)"
        case "3D000":
            return "the database '\(address.database)' does not exist; create it (createdb) or fix the URL"
        case let state?:
            return "\(message) (SQLSTATE \(state))"
        case nil:
            return message
        }
    }

    /// What a TLS handshake error means here; nil when `error` is not one.
    private static func tlsCause(of error: any Error, address: PostgresAddress) -> String? {
        let roots = address.rootCertificate.map { "the root certificate \($0) (sslrootcert)" }
            ?? "the system's trusted root certificates"
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's certificate is not issued for '\(address.host)' (sslmode=verify-full checks the "
                + "host name; connect by a name or address the certificate carries, or fix the certificate)"
        }
        if let error = error as? NIOSSLError, case .handshakeFailed(let cause) = error {
            if "\(cause)".contains("CERTIFICATE_VERIFY_FAILED") {
                return "the server's certificate is not signed by \(roots) (sslmode=\(address.sslMode.rawValue)); "
                    + "give the certificate of the CA that signed the server's certificate"
            }
            return "the TLS handshake failed: \(cause)"
        }
        return nil
    }
}
