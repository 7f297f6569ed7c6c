/// The store's storage is no longer what it opened (SQLite: its file deleted or replaced under
/// it, issue 17): a commit now would go where nobody reads it again, so the store refuses it
/// and the daemon stops. ``StoreHealthProbe/storageProblem`` says the same to `/readyz`.
public struct StorageProblem: Error, CustomStringConvertible {
    /// What happened, in words (``StoreHealthProbe/storageProblem``).
    public var problem: String

    public init(_ problem: String) { self.problem = problem }

    public var description: String {
        "\(problem); the daemon stops rather than commit where nobody will read it again. Restore the store "
            + "from a backup (see docs/operations.md, Backups) before starting it again"
    }
}
