/// How a connection to PostgreSQL uses TLS: libpq's `sslmode` words, with libpq's meaning as far
/// as postgres-nio can follow it (docs/operations.md, "PostgreSQL").
///
/// An enum rather than the text so that every place that turns a mode into a TLS setting is
/// found by the compiler when a mode is added.
public enum PostgresSSLMode: String, Sendable, Hashable, CaseIterable {
    /// No TLS.
    case disable
    /// libpq tries without TLS first; postgres-nio cannot, so this tries TLS first like `prefer`.
    case allow
    /// TLS when the server offers it, without checking its certificate (libpq's default).
    case prefer
    /// TLS or no connection; the certificate is checked only when `sslrootcert` is given (then
    /// as `verify-ca`, as libpq does).
    case require
    /// TLS, the server's certificate chain checked against `sslrootcert` (or the system's
    /// roots), its host name not.
    case verifyCA = "verify-ca"
    /// TLS, the chain and the host name (or IP address) checked: the only mode that stops a
    /// machine in the middle. What production should use.
    case verifyFull = "verify-full"

    /// Whether the server's certificate chain is checked, given whether a root certificate is named.
    func verifiesChain(withRootCertificate hasRoot: Bool) -> Bool {
        switch self {
        case .disable, .allow, .prefer: false
        case .require: hasRoot
        case .verifyCA, .verifyFull: true
        }
    }
}
