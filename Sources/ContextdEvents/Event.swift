/// One CloudEvent as contextd uses it: the envelope attributes the engine needs, typed, and
/// everything else kept as it came.
///
/// Only events that passed ``EventDecoder``'s checks exist as values of this type, so the engine
/// never has to ask whether a subject or a time is present.
public struct Event: Sendable, Hashable {
    /// Unique per ``source``; `(source, id)` is the idempotency key.
    public var id: String { didSet { rulesValue.value = nil } }
    /// The producer, a URI-reference such as `cards` or `/core-banking`.
    public var source: String { didSet { rulesValue.value = nil } }
    /// Dotted event type, such as `card.transaction`.
    public var type: String { didSet { rulesValue.value = nil } }
    /// The entity the event is about: a customer, lead, account or CRM user id.
    public var subject: String { didSet { rulesValue.value = nil } }
    /// When it happened (event time).
    public var time: Timestamp { didSet { rulesValue.value = nil } }
    /// A fact or a workflow step; from the `kind` attribute or the input's default.
    public var kind: EventKind { didSet { rulesValue.value = nil } }
    /// The payload: an object, or `.null` when the event has none.
    public var data: Value { didSet { rulesValue.value = nil } }
    /// Every other attribute and extension, raw (`specversion`, `datacontenttype`, …).
    public var attributes: [String: Value] { didSet { rulesValue.value = nil } }
    /// ``value``, when it was built ahead (``withValue()``); any change of the event forgets it.
    private var rulesValue = PrebuiltValue()

    /// Not part of what the event is: two events equal but for it are equal, and hash alike.
    private struct PrebuiltValue: Sendable, Hashable {
        var value: Value?
        static func == (_: PrebuiltValue, _: PrebuiltValue) -> Bool { true }
        func hash(into hasher: inout Hasher) {}
    }

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
        event.rulesValue.value = makeValue()
        return event
    }

    /// The attributes that have their own properties; they never appear in ``attributes``.
    public static let envelopeAttributes: Set<String> = ["id", "source", "type", "subject", "time", "kind", "data"]

    /// The event as rules see it (`event.subject`, `event.data.amount`, `event.datacontenttype`):
    /// an object of the attributes, with `time` as a timestamp and `kind` as a string.
    public var value: Value { rulesValue.value ?? makeValue() }

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
