public import ContextdEvents

/// Everything the daemon needs to open a PostgreSQL store: the address, the password (from the
/// URL or from `store_password_file`), the pool's size and the statement timeout.
///
/// `DaemonConfiguration.postgres`; nil means the SQLite store in `data_dir`. Its description
/// never shows the password.
public struct PostgresSettings: Sendable, Hashable, CustomStringConvertible {
    public var address: PostgresAddress
    /// The password read from `store_password_file`; nil when the URL gives it, or none is needed.
    public var passwordFromFile: PostgresPassword?
    /// At most this many connections (`store_pool_size`).
    public var poolSize: Int
    /// A statement running longer is cancelled by the server (`store_statement_timeout`), so
    /// that a lock held elsewhere stalls the daemon for a bounded time, with an error, instead
    /// of forever.
    public var statementTimeout: TimeSpan
    /// A node of several sets it to its lease (`idle_in_transaction_session_timeout`): a node
    /// stopped in the middle of a commit (SIGSTOP, a stall) would otherwise keep its transaction's
    /// row locks, and the node that takes its partitions over would wait on them for as long as
    /// it stays stopped. The server ends such a transaction; nothing of it is written. Nil (a
    /// daemon alone): not set.
    public var idleInTransactionTimeout: TimeSpan?

    public static let defaultPoolSize = 10
    public static let defaultStatementTimeout = TimeSpan.seconds(30)
    /// One connection for the commit in flight and at least one for the reads that must not
    /// wait for it (`storedContext`, the HTTP API): decision 0016.
    public static let minimumPoolSize = 2

    /// - Throws: when the password is given both in the URL and in a file.
    public init(address: PostgresAddress, passwordFromFile: PostgresPassword? = nil, poolSize: Int = defaultPoolSize,
        statementTimeout: TimeSpan = defaultStatementTimeout) throws(PostgresAddressError)
    {
        if address.password != nil && passwordFromFile != nil {
            throw PostgresAddressError("the password is given twice, in the URL and in 'store_password_file'; "
                + "give it once (the file keeps it out of the configuration)")
        }
        self.address = address
        self.passwordFromFile = passwordFromFile
        self.poolSize = poolSize
        self.statementTimeout = statementTimeout
    }

    /// The password that is sent: the file's or the URL's; nil for trust or peer authentication.
    public var password: PostgresPassword? { passwordFromFile ?? address.password }

    public var description: String {
        "\(address) (pool \(poolSize), statement timeout \(statementTimeout))"
    }
}
