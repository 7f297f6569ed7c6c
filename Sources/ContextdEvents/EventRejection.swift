/// One event that could not be taken, with what an upstream team needs to fix it.
///
/// Written one per line to `rejected/<file>.errors.jsonl` (SPEC §1, "Bad input"), so that a bad
/// event is never lost silently and the rest of its file is still processed.
public struct EventRejection: Error, Sendable, Hashable {
    /// 1-based line of the event in its file (for a batch element, the line where it starts).
    public var line: Int
    /// What is wrong, in words a person can act on.
    public var error: String
    /// The start of the offending line or element as text (at most ``maximumRawBytes`` bytes).
    public var raw: String
    /// Why, as a kind to count by (`/v1/status` counts far-future events apart from bad lines);
    /// set where the reason is decided.
    public var kind: Kind = .invalid

    /// What made the line unusable.
    public enum Kind: String, Sendable, Hashable {
        /// Not an event: bad JSON, a missing attribute, too long, not UTF-8.
        case invalid
        /// A valid event whose time is further ahead of the wall clock than `limits.max_future_skew`.
        case future
    }

    /// How much of the offending input ``raw`` keeps.
    public static let maximumRawBytes = 4096

    public init(line: Int, error: String, raw: String, kind: Kind = .invalid) {
        self.line = line
        self.error = error
        self.raw = raw
        self.kind = kind
    }

    /// Builds a rejection keeping the first 4 KiB of `bytes` as ``raw``.
    public init(line: Int, error: String, rawBytes bytes: some Collection<UInt8>, kind: Kind = .invalid) {
        self.init(line: line, error: error, raw: EventRejection.rawText(bytes), kind: kind)
    }

    /// `{"line":N,"error":"...","raw":"..."}`: one line of the rejects file.
    public var json: String { encoded(withRaw: true) }

    /// `{"line":N,"error":"..."}`: a reason without the text (beside a late event's own line).
    public var reasonJSON: String { encoded(withRaw: false) }

    private func encoded(withRaw: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((withRaw ? raw.utf8.count : 0) + error.utf8.count + 40)
        output.append(contentsOf: #"{"line":"#.utf8)
        output.append(contentsOf: String(line).utf8)
        output.append(contentsOf: #","error":"#.utf8)
        JSON.appendString(error, to: &output)
        if withRaw {
            output.append(contentsOf: #","raw":"#.utf8)
            JSON.appendString(raw, to: &output)
        }
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }

    /// The first ``maximumRawBytes`` bytes as text, cut before a character that would not fit
    /// whole; invalid UTF-8 becomes U+FFFD.
    static func rawText(_ bytes: some Collection<UInt8>) -> String {
        let head = Array(bytes.prefix(maximumRawBytes + 1))
        guard head.count > maximumRawBytes else { return String(decoding: head, as: UTF8.self) }
        // Step back over continuation bytes of the character that straddles the cut, if any.
        var end = maximumRawBytes
        while end > maximumRawBytes - 3, head[end] & 0xC0 == 0x80 { end -= 1 }
        if head[end] & 0xC0 == 0x80 {
            // No character boundary within reach (invalid UTF-8): cut at the limit.
            end = maximumRawBytes
        }
        return String(decoding: head[..<end], as: UTF8.self)
    }
}
