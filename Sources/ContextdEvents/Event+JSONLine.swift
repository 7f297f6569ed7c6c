/// An event written back as the CloudEvent it came from: what the daemon appends to the
/// cluster's event log for an event that no producer wrote (a task outcome acknowledged over
/// HTTP), so that the log holds a text for every event and whoever reads the log — the
/// evaluation, `replay` of its export — decodes the same event.
extension Event {
    /// The event as one line of JSON (no line break in it, none at its end) that
    /// ``EventDecoder`` decodes back to an equal event, whatever its default kind.
    ///
    /// Members in a fixed order, for a reader: `specversion` (the attributes' own, `"1.0"`
    /// when they hold none), `id`, `source`, `type`, `subject`, `time` (RFC 3339 in UTC, its
    /// milliseconds kept), `kind` (always written, so the spool's default does not matter),
    /// `data` (left out when `.null`, as the decoder reads a missing `data`), then every other
    /// attribute with its keys sorted. Values are written by ``JSON/append(_:to:)``.
    ///
    /// The round trip holds for an event whose values are JSON's, as every decoded event's
    /// are. What JSON has no type for comes back as its text: a `.timestamp` or `.duration`
    /// inside `data` or an attribute as a string, a non-finite number as `null`. An attribute
    /// named like an envelope member (only an event made in code can have one) is left out,
    /// since the envelope member is written; and a `time` outside the years 0000–9999 is
    /// written in a form RFC 3339 has not, which the decoder refuses.
    public var jsonLine: String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        appendJSONLine(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// ``jsonLine`` into a buffer, for a writer of many events.
    public func appendJSONLine(to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        JSON.appendKey("specversion", to: &output)
        JSON.append(attributes["specversion"] ?? .string("1.0"), to: &output)
        for (name, text) in [("id", id), ("source", source), ("type", type), ("subject", subject)] {
            output.append(UInt8(ascii: ","))
            JSON.appendString(name, to: &output)
            output.append(UInt8(ascii: ":"))
            JSON.appendString(text, to: &output)
        }
        output.append(UInt8(ascii: ","))
        JSON.appendKey("time", to: &output)
        JSON.appendString(time.rfc3339, to: &output)
        output.append(UInt8(ascii: ","))
        JSON.appendKey("kind", to: &output)
        JSON.appendString(kind.rawValue, to: &output)
        if !data.isNull {
            output.append(UInt8(ascii: ","))
            JSON.appendKey("data", to: &output)
            JSON.append(data, to: &output)
        }
        for name in attributes.keys.sorted()
        where name != "specversion" && !Event.envelopeAttributes.contains(name) {
            output.append(UInt8(ascii: ","))
            JSON.appendString(name, to: &output)
            output.append(UInt8(ascii: ":"))
            JSON.append(attributes[name]!, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }
}
