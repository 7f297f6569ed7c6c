/// What became of an attempt to claim a file from `new/` (or to take up a leftover in `cur/`).
public enum Claim: Sendable {
    /// The file is in `cur/`, a regular file with a readable format: process it.
    case claimed(ClaimedFile)
    /// The file was gone before contextd could claim it (another contextd, or the producer took
    /// it back). Nothing to do.
    case vanished
    /// The file reached `cur/` but someone moved or deleted it out of there before contextd could
    /// look at it: nothing of it was read.
    case goneFromCur
    /// The entry cannot be an event file (a symlink, a directory, a pipe, an unknown extension);
    /// it is already in `rejected/` with a sidecar saying `reason`.
    case rejected(reason: String)
}
