/// What one line or batch element of an input file turned into: an event to apply, or a
/// rejection to write to the file's `.errors.jsonl`.
///
/// Both come out of ``EventStreamDecoder`` in file order, so the adapter applies events in the
/// order the producer wrote them and every line is accounted for.
public enum DecodedItem: Sendable, Hashable {
    case event(Event, line: Int)
    /// An event that may be older than the engine's clock allows (``EventTimeLimits``), with its
    /// original text, so that the adapter can set it aside verbatim if the engine refuses it.
    case eventWithText(Event, line: Int, text: [UInt8])
    case rejected(EventRejection)
}
