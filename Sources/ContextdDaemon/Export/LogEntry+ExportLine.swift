import ContextdEvents
public import ContextdStore

extension LogEntry {
    /// The entry's line in `contextd log export`: the event's text on one line, a tick's
    /// clock step (`{"contextd_clock_step":"<RFC 3339>"}`), or a change of the cluster's rules
    /// (`{"contextd_rules":"<fingerprint>"}`).
    ///
    /// The text is the producer's, with two changes only. Its line breaks (a batch element's,
    /// whitespace between JSON tokens) become spaces. And when the text does not say the
    /// event's kind the way `replay` reads it — `replay` decodes with the default kind `data`,
    /// so an event of a `kind: process` spool written without a `kind` attribute would come
    /// back as `data` — `"kind":"<kind>",` is inserted right after its opening `{`: then
    /// `replay` of the export applies the very event the log's evaluation applies
    /// (``LogEntry/eventKind``, as the ingesting node decoded it). A text that does not decode
    /// (a log changed by hand) is written as it is, for `replay` to reject with its reason.
    public var exportLine: String {
        if kind == .rules { return #"{"contextd_rules":"\#(body ?? "")"}"# }
        guard kind == .event, let body else {
            return #"{"contextd_clock_step":"\#(time.rfc3339)"}"#
        }
        let insertsKind = eventKind.map { eventKind in
            switch EventDecoder().decode(line: body.utf8, lineNumber: 1) {
            case .success(let event): event.kind != eventKind
            case .failure: false
            }
        } ?? false
        let breaks = body.utf8.contains { $0 == 0x0A || $0 == 0x0D }
        guard insertsKind || breaks else { return body }
        var bytes = breaks ? body.utf8.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 } : Array(body.utf8)
        if insertsKind, let eventKind, let brace = bytes.firstIndex(of: UInt8(ascii: "{")) {
            bytes.insert(contentsOf: #""kind":"\#(eventKind.rawValue)","#.utf8, at: brace + 1)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
