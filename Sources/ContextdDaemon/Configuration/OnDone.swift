/// What contextd does with a spool file once every effect of its events is committed.
///
/// `move` (the default) keeps the file in the spool's `done/` folder, so an operator can see
/// what was taken and replay it; `delete` is for producers whose volume makes keeping
/// processed files pointless. Either way a file is only let go after its commit.
public enum OnDone: String, Sendable, Hashable, CaseIterable {
    /// Rename the file into the spool's `done/` folder.
    case move
    /// Delete the file.
    case delete
}
