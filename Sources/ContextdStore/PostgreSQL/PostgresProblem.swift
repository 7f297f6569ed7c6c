import Glibc
import NIOCore
import NIOPosix
import PostgresNIO

/// What went wrong talking to PostgreSQL, in words an operator can act on.
///
/// postgres-nio's own errors print a generic text (so that they cannot leak into a response by
/// accident); the store's errors reach the log and `/v1/status`, so they say what the server
/// said (SQLSTATE, message, detail) or how the connection failed, never the statement's values.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// What the store was doing: `commit`, `migrate`, `lease`, …
    public var operation: String
    public var message: String
    /// Whether the server could not be reached or the connection was lost (the server is down
    /// or restarting: worth waiting for), rather than an answer of the server (wrong password,
    /// missing database, a constraint: waiting changes nothing).
    public var isConnectionLoss: Bool

    public init(operation: String, message: String, isConnectionLoss: Bool = false) {
        self.operation = operation
        self.message = message
        self.isConnectionLoss = isConnectionLoss
    }

    public var description: String { "postgresql \(operation): \(message)" }
}

/// Tells a lost connection (retry on a new one) from every other failure (report it), and puts
/// either into words.
enum PostgresProblem {
    /// Whether `error` means the connection is gone or could not be made: the server is down,
    /// restarting, unreachable, or the network cut it. A server error (a constraint, a
    /// statement timeout, a syntax error) is not, except the ones that end the session.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            switch error.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                // 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now.
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
            default:
                return false
            }
        }
        // Failures to connect at all (refused, unreachable, timed out) come from NIO as they are.
        return error is PostgresUnansweredQuery || error is IOError || error is ChannelError || error is NIOConnectionError
            || "\(type(of: error))".contains("Connect")
    }

    /// `error` in words: the server's SQLSTATE, message and detail, or the connection failure.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresStoreError { return error.message }
        if error is PostgresUnansweredQuery { return "the connection closed before the server answered" }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            var text = (info[.sqlState].map { "[\($0)] " } ?? "") + (info[.message] ?? "server error")
            if let detail = info[.detail] { text += " (\(detail))" }
            if let hint = info[.hint] { text += "; hint: \(hint)" }
            return text
        }
        switch error.code {
        case .serverClosedConnection: return "the server closed the connection"
        case .clientClosedConnection: return "the connection was closed"
        case .uncleanShutdown: return "the connection ended without a proper close"
        case .connectionError: return "cannot connect: " + (error.underlying.map(connectFailure) ?? "no reason given")
        default: return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }

    /// Why a connection could not be made: the system's words for the errno when there is one
    /// ("Connection refused"), NIO's text otherwise.
    private static func connectFailure(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return connectFailure(first.error)
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }

    /// `error` as the store throws it: a database or connection error becomes a
    /// ``PostgresStoreError`` naming `operation`; any other (a stored row that cannot be read, a
    /// barrier's) passes as it is, as SQLite's store lets it.
    static func wrap(_ error: any Error, _ operation: String) -> any Error {
        if error is PostgresStoreError { return error }
        guard error is PSQLError || isConnectionLoss(error) else { return error }
        return PostgresStoreError(operation: operation, message: describe(error), isConnectionLoss: isConnectionLoss(error))
    }
}
