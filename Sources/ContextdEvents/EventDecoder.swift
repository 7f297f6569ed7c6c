/// Turns one CloudEvent (JSON text or an already parsed object) into an ``Event``, or says
/// exactly why it cannot.
///
/// This is the single place where contextd's input contract (SPEC §1, "Envelope") is enforced:
/// CloudEvents 1.0 structured mode, plus `subject` and `time` being required, `data` being an
/// object, and the `kind` extension. Each check has its own message, because the message is all
/// an upstream team gets to fix its producer.
public struct EventDecoder: Sendable {
    /// The kind given to events without a `kind` attribute (the input's configured kind).
    public var defaultKind: EventKind

    public init(defaultKind: EventKind = .data) {
        self.defaultKind = defaultKind
    }

    /// Validates a parsed JSON value. A rejection's `raw` is the value written back as JSON.
    public func decode(_ object: Value, line: Int) -> Result<Event, EventRejection> {
        do throws(InvalidEvent) {
            return .success(try makeEvent(object))
        } catch {
            return .failure(
                EventRejection(line: line, error: error.message, raw: EventRejection.rawText(JSON.encode(object).utf8))
            )
        }
    }

    /// Parses one line (or batch element) of JSON text and validates it.
    public func decode(line bytes: some Collection<UInt8>, lineNumber: Int) -> Result<Event, EventRejection> {
        if let result = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0, line: lineNumber) }) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer { decode(buffer: $0, line: lineNumber) }
    }

    /// Parses and validates text whose first byte sits at `start` in its file.
    func decode(
        buffer: UnsafeBufferPointer<UInt8>,
        line: Int,
        start: TextPosition = TextPosition()
    ) -> Result<Event, EventRejection> {
        var parser = JSONParser(bytes: buffer, start: start)
        let parsed: ParsedEvent
        do throws(JSONError) {
            parsed = try parser.parseEventDocument()
        } catch {
            return .failure(EventRejection(line: line, error: "invalid JSON: \(error)", rawBytes: buffer))
        }
        do throws(InvalidEvent) {
            switch parsed {
            case .object(let fields): return .success(try makeEvent(fields))
            case .other(let value): return .success(try makeEvent(value))
            }
        } catch {
            return .failure(EventRejection(line: line, error: error.message, rawBytes: buffer))
        }
    }
}

// MARK: - Validation

extension EventDecoder {
    struct InvalidEvent: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    func makeEvent(_ value: Value) throws(InvalidEvent) -> Event {
        guard case .object(let object) = value else {
            throw InvalidEvent("expected a JSON object (a CloudEvent), got \(EventDecoder.describe(value))")
        }
        return try makeEvent(EventFields(object: object))
    }

    func makeEvent(_ fields: EventFields) throws(InvalidEvent) -> Event {
        try EventDecoder.checkSpecVersion(fields.specversion)
        let id = try EventDecoder.requiredString("id", fields.id)
        let source = try EventDecoder.requiredString("source", fields.source)
        let type = try EventDecoder.requiredString("type", fields.type)
        let subject = try EventDecoder.requiredString("subject", fields.subject)
        let time = try EventDecoder.time(fields.time)
        if fields.hasDataBase64 {
            throw InvalidEvent(
                "attribute 'data_base64' is not supported: contextd needs the payload as a JSON object in 'data'"
            )
        }
        let data = fields.data ?? .null
        switch data {
        case .null, .object: break
        default: throw InvalidEvent("'data' must be a JSON object, got \(EventDecoder.describe(data))")
        }
        let kind = try kind(fields.kind)
        return Event(
            id: id,
            source: source,
            type: type,
            subject: subject,
            time: time,
            kind: kind,
            data: data,
            attributes: fields.others
        ).withValue()
    }

    private static func checkSpecVersion(_ value: Value?) throws(InvalidEvent) {
        switch value {
        case nil, .null?: throw InvalidEvent("missing required attribute 'specversion' (must be \"1.0\")")
        case .string("1.0")?: return
        case let other?: throw InvalidEvent("attribute 'specversion' must be \"1.0\", got \(shown(other))")
        }
    }

    private static func requiredString(_ name: String, _ value: Value?) throws(InvalidEvent) -> String {
        switch value {
        case nil, .null?: throw InvalidEvent("missing required attribute '\(name)'")
        case .string(let text)?:
            guard !text.isEmpty else { throw InvalidEvent("attribute '\(name)' must not be empty") }
            return text
        case let other?: throw InvalidEvent("attribute '\(name)' must be a string, got \(describe(other))")
        }
    }

    private static func time(_ value: Value?) throws(InvalidEvent) -> Timestamp {
        switch value {
        case nil, .null?: throw InvalidEvent("missing required attribute 'time'")
        case .string(let text)?:
            guard let time = Timestamp(rfc3339: text) else {
                throw InvalidEvent("attribute 'time' is not an RFC 3339 timestamp: \(shown(.string(text)))")
            }
            return time
        case let other?:
            throw InvalidEvent("attribute 'time' must be an RFC 3339 timestamp string, got \(describe(other))")
        }
    }

    private func kind(_ value: Value?) throws(InvalidEvent) -> EventKind {
        switch value {
        case nil, .null?: return defaultKind
        case .string(let text)?:
            guard let kind = EventKind(rawValue: text) else {
                throw InvalidEvent(
                    "attribute 'kind' must be \"data\" or \"process\", got \(EventDecoder.shown(.string(text)))"
                )
            }
            return kind
        case let other?:
            throw InvalidEvent("attribute 'kind' must be \"data\" or \"process\", got \(EventDecoder.describe(other))")
        }
    }

    /// "a number", "a list": what a value is, for messages.
    static func describe(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string, .timestamp, .duration: "a string"
        case .list: "a list"
        case .object: "an object"
        }
    }

    /// A value as JSON, shortened for a message.
    private static func shown(_ value: Value) -> String {
        let text = JSON.encode(value)
        return text.utf8.count <= 100 ? text : String(text.prefix(97)) + "..."
    }
}
