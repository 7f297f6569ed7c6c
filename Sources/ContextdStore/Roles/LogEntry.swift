public import ContextdEvents

/// A spool file as the event log records it: which node claimed it from which spool, under
/// which name, with which content.
///
/// The digest tells a file dropped again under a name already used (another content, appended
/// again) from the same file appended a second time (a no-op).
public struct LoggedFile: Sendable, Hashable {
    /// The node that claimed it (`node.id`).
    public var node: String
    /// The spool's name in the configuration.
    public var spool: String
    /// The file's name in the spool.
    public var name: String
    /// The SHA-256 of the file's bytes, in lowercase hex.
    public var digest: String

    public init(node: String, spool: String, name: String, digest: String) {
        self.node = node
        self.spool = spool
        self.name = name
        self.digest = digest
    }
}

/// An event to append, with the producer's own text of it: the log keeps that text, so that
/// an export gives back the bytes the producer wrote, not a re-encoding of the decoded event,
/// and the decoded event's kind beside it (``LogEntry/eventKind``), which the text does not
/// say when the spool's configured kind applied.
public struct LoggedEvent: Sendable, Hashable {
    public var event: Event
    /// The line (or batch element) as it was in the file, without its line break.
    public var text: String

    public init(event: Event, text: String) {
        self.event = event
        self.text = text
    }
}

/// What one append did: the positions it gave, and how many of the file's events were new and
/// how many the log already had (or the file had twice).
public struct LogAppend: Sendable, Hashable {
    /// The first and last positions given to the file's new events; nil when none was new.
    public var positions: ClosedRange<Int64>?
    /// How many events were appended (the positions' count).
    public var appended: Int
    /// How many events were not appended: already in the log, or earlier in the same file.
    public var duplicates: Int

    public init(positions: ClosedRange<Int64>?, appended: Int, duplicates: Int) {
        self.positions = positions
        self.appended = appended
        self.duplicates = duplicates
    }
}

/// One entry of the event log.
public struct LogEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// An event of a spool file; ``LogEntry/body`` is its original text.
        case event
        /// A clock step of an idle cluster; no body, no partition.
        case tick
        /// The cluster's rules change here (decision 0018 §4): every partition evaluates the
        /// entries after it with the rule set whose fingerprint is ``LogEntry/body``. No partition.
        case rules
    }

    /// Its place in the one order: 1, 2, 3 … without gaps.
    public var position: Int64
    public var kind: Kind
    /// ``EntityPartition/of(_:)`` of the event's subject; nil for a tick.
    public var partition: Int64?
    /// The event's source and id; nil for a tick.
    public var source: String?
    public var id: String?
    /// The event's time, or the tick's.
    public var time: Timestamp
    /// The greatest time of the log up to and including this entry: the global clock after it.
    public var clockAfter: Timestamp
    /// The event's text as the producer wrote it; nil for a tick.
    public var body: String?
    /// The decoded event's kind; nil for a tick. The text alone does not say it when the
    /// producer left out the `kind` attribute: the spool's configured kind applied then
    /// (``EventDecoder/defaultKind``), and the log keeps it so that whoever decodes the text
    /// again (the evaluation, `replay` of the export) gets the same event.
    public var eventKind: EventKind?

    public init(
        position: Int64, kind: Kind, partition: Int64?, source: String?, id: String?, time: Timestamp,
        clockAfter: Timestamp, body: String?, eventKind: EventKind? = nil
    ) {
        self.position = position
        self.kind = kind
        self.partition = partition
        self.source = source
        self.id = id
        self.time = time
        self.clockAfter = clockAfter
        self.body = body
        self.eventKind = eventKind
    }
}
