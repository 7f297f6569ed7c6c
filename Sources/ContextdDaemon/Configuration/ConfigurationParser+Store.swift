import ContextdEvents
import ContextdStore
import Yams

/// The store keys: `store` (a `postgresql://` URL; absent: SQLite in `data_dir`),
/// `store_password_file`, `store_pool_size` and `store_statement_timeout`.
extension ConfigurationParser {
    static let storeKeys = ["store", "store_password_file", "store_pool_size", "store_statement_timeout"]

    func readStore(of root: ConfigurationMapping, into configuration: inout DaemonConfiguration) {
        guard let urlNode = root["store"] else {
            for key in Self.storeKeys.dropFirst() {
                guard let node = root[key] else { continue }
                document.report(at: node, "'\(key)' applies only to a PostgreSQL store; add 'store: "
                    + "postgresql://USER@HOST/DB', or remove '\(key)' (without 'store' the daemon keeps SQLite in 'data_dir')")
            }
            return
        }
        let address = readAddress(urlNode, of: root)
        let passwordFile = readPasswordFile(of: root)
        let poolSize = root.count("store_pool_size", minimum: PostgresSettings.minimumPoolSize, because:
            "one connection serves the commit in flight and the reads must not wait for it")
        let timeout = root.duration("store_statement_timeout")
        guard let address, let passwordFile else { return }
        do throws(PostgresAddressError) {
            configuration.postgres = try PostgresSettings(address: address, passwordFromFile: passwordFile.password,
                poolSize: poolSize ?? PostgresSettings.defaultPoolSize,
                statementTimeout: timeout ?? PostgresSettings.defaultStatementTimeout)
        } catch {
            document.report(at: passwordFile.node ?? urlNode, error.reason)
        }
    }

    /// The URL, checked, with `sslrootcert` resolved against the configuration's directory and read.
    private func readAddress(_ node: Node, of root: ConfigurationMapping) -> PostgresAddress? {
        guard let text = node.scalarText, !text.isEmpty else {
            root.mismatch(node, key: "store", expected: "a URL such as \(PostgresAddress.example)")
            return nil
        }
        do throws(PostgresAddressError) {
            var address = try PostgresAddress(parsing: text)
            if let certificate = address.rootCertificate {
                address.rootCertificate = AbsolutePath(certificate, relativeTo: base).description
            }
            _ = try address.tlsConfiguration()
            return address
        } catch {
            document.report(at: node, "invalid PostgreSQL URL for 'store': \(error.reason)")
            return nil
        }
    }

    /// The password on the first line of `store_password_file`: `(nil, nil)` when the key is
    /// absent, nil when the file cannot be used (reported).
    private func readPasswordFile(of root: ConfigurationMapping) -> (password: PostgresPassword?, node: Node?)? {
        guard root["store_password_file"] != nil else { return (nil, nil) }
        guard let (path, node) = root.path("store_password_file", base: base) else { return nil }
        switch TextFile.contents(of: path.description) {
        case .failure(let problem):
            document.report(at: node, "cannot read the password file \(path) ('store_password_file'): \(problem.reason)")
            return nil
        case .success(let text):
            var line = text.prefix { $0 != "\n" && $0 != "\r\n" }
            if line.hasSuffix("\r") { line = line.dropLast() }
            guard !line.isEmpty else {
                document.report(at: node, "the password file \(path) ('store_password_file') has an empty first "
                    + "line; put the password on it (and nothing else)")
                return nil
            }
            return (PostgresPassword(String(line)), node)
        }
    }
}
