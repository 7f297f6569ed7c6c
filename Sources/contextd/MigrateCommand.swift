import ArgumentParser
import ContextdDaemon
import ContextdSpool
import ContextdStore

/// `contextd migrate [--config FILE]`: brings the store's schema up to this contextd's, and
/// nothing else.
///
/// `contextd run` migrates too, before it starts; this is for deployments where the daemon's
/// own PostgreSQL role may only read and write rows (docs/operations.md, "PostgreSQL"): the
/// schema's owner runs it once per upgrade, before the new daemon starts.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the store's schema (SQLite in data_dir, or the PostgreSQL database of `store:`).",
        discussion: """
            Prints each migration it applied, or that the store is up to date. Exit 0 when the \
            schema is current, 78 when the store cannot be opened (a wrong password, a missing \
            database, a certificate that does not verify, a schema from a newer contextd), 1 when \
            its server does not answer. Safe beside a running daemon of the same version.
            """
    )

    @Option(name: .long, help: "The daemon's configuration file (default: the embedded default's ./var).")
    var config: String?

    func run() throws {
        let configuration = try ConfigurationArgument.load(config)
        let location = configuration.store
        let applied: [String]
        do {
            if let file = location.localFile { try makeDirectories(containing: file) }
            applied = try location.migrate()
        } catch let unreachable as StoreUnreachable {
            StandardError.write("contextd: \(unreachable)")
            throw ExitCode(1)
        } catch {
            StandardError.write("contextd: cannot migrate the store at \(location): \(error)")
            throw ExitStatus.configuration
        }
        if applied.isEmpty {
            print("the store at \(location) is up to date")
        } else {
            for name in applied { print("applied \(name)") }
            print("the store at \(location) is up to date (\(applied.count) migration(s) applied)")
        }
    }

    /// A first `migrate` on a new host creates the data directory, as `contextd run` would.
    private func makeDirectories(containing file: String) throws {
        let directory = String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)])
        guard !directory.isEmpty else { return }
        try ContextdSpool.makeDirectories(directory)
    }
}
