public import ContextdEvents

/// How far each spool file got and which of its lines were rejected or too late: what lets the
/// daemon resume a file in `cur/` after a crash without applying a line twice, and write its
/// `.rejects.jsonl` and `.late.jsonl` once it is done.
///
/// Written only by the group commit (``Commit/progress``, ``Commit/rejects``,
/// ``Commit/finishedFiles``), read by the loop at startup and when a file finishes; a role of
/// its own because it concerns spool files, not engine state or tasks.
public protocol SpoolLedger: AnyObject, Sendable {
    /// How far each file of a spool got (files still in `cur/`), by file name.
    func progress(spool: String) throws -> [String: FileProgress]

    /// The lines recorded for a file, in file order: those rejected (`late` false), or the
    /// events too late to be applied (`late` true), each with its whole original text as
    /// ``EventRejection/raw``. One requirement for both, so that a backend writes the query once.
    func rejections(spool: String, file: String, late: Bool) throws -> [EventRejection]
}

extension SpoolLedger {
    /// The rejected lines recorded for a file, in file order (its `.rejects.jsonl`).
    public func rejects(spool: String, file: String) throws -> [EventRejection] {
        try rejections(spool: spool, file: file, late: false)
    }

    /// The events of a file that were too late to be applied, in file order (its `.late.jsonl`).
    public func lateEvents(spool: String, file: String) throws -> [EventRejection] {
        try rejections(spool: spool, file: file, late: true)
    }
}
