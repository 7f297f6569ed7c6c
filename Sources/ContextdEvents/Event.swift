/// One CloudEvent as contextd uses it: the envelope attributes the engine needs, typed, and
/// everything else kept as it came.
///
/// Only events that passed ``EventDecoder``'s checks exist as values of this type, so the engine
/// never has to ask whether a subject or a time is present.
public struct Event: Sendable, Hashable {
    /// Unique per ``source``; `(source, id)` is the idempotency key.
    public var id: String { didSet { rulesValue = nil } }
    /// The producer, a URI-reference such as `cards` or `/core-banking`.
    public var source: String { didSet { rulesValue = nil } }
    /// Dotted event type, such as `card.transaction`.
    public var type: String { didSet { rulesValue = nil } }
    /// The entity the event is about: a customer, lead, account or CRM user id.
    public var subject: String { didSet { rulesValue = nil } }
    /// When it happened (event time).
    public var time: Timestamp { didSet { rulesValue = nil } }
    /// A fact or a workflow step; from the `kind` attribute or the input's default.
    public var kind: EventKind { didSet { rulesValue = nil } }
    /// The payload: an object, or `.null` when the event has none.
    public var data: Value { didSet { rulesValue = nil } }
    /// Every other attribute and extension, raw (`specversion`, `datacontenttype`, …).
    public var attributes: [String: Value] { didSet { rulesValue = nil } }
    /// ``value``, when it was built ahead (``withValue()``); any change of the event forgets it.
    private var rulesValue: Value?

    public init(
        id: String,
        source: String,
        type: String,
        subject: String,
        time: Timestamp,
        kind: EventKind,
        data: Value = .null,
        attributes: [String: Value] = [:]
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.kind = kind
        self.data = data
        self.attributes = attributes
    }

    /// The event with ``value`` built now. The decoders call it, so that a file read on a second
    /// thread (`EventFileReader`) hands the engine events whose value is ready.
    public func withValue() -> Event {
        var event = self
        event.rulesValue = makeValue()
        return event
    }

    public static func == (a: Event, b: Event) -> Bool {
        a.id == b.id && a.source == b.source && a.type == b.type && a.subject == b.subject && a.time == b.time
            && a.kind == b.kind && a.data == b.data && a.attributes == b.attributes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(source)
        hasher.combine(type)
        hasher.combine(subject)
        hasher.combine(time)
        hasher.combine(kind)
        hasher.combine(data)
        hasher.combine(attributes)
    }

    /// The attributes that have their own properties; they never appear in ``attributes``.
    public static let envelopeAttributes: Set<String> = ["id", "source", "type", "subject", "time", "kind", "data"]

    /// The event as rules see it (`event.subject`, `event.data.amount`, `event.datacontenttype`):
    /// an object of the attributes, with `time` as a timestamp and `kind` as a string.
    public var value: Value { rulesValue ?? makeValue() }

    private func makeValue() -> Value {
        var object = attributes
        // Room for the seven envelope members up front: growing a dictionary rehashes every key.
        object.reserveCapacity(attributes.count + 7)
        object["id"] = .string(id)
        object["source"] = .string(source)
        object["type"] = .string(type)
        object["subject"] = .string(subject)
        object["time"] = .timestamp(time)
        object["kind"] = .string(kind.rawValue)
        object["data"] = data
        return .object(object)
    }
}
