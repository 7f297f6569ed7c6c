/// The top level of a CloudEvent, parsed straight into the slots the decoder checks.
///
/// Parsing into a dictionary and then taking the envelope attributes out again would hash every
/// one of them twice more; on the per-event path that was a third of the decoding time. The
/// JSON accepted and the errors reported are exactly those of `JSON.parse`.
struct EventFields {
    var id: Value?
    var source: Value?
    var type: Value?
    var subject: Value?
    var time: Value?
    var kind: Value?
    var data: Value?
    /// Also kept in ``others``: it is one of the attributes the event carries on.
    var specversion: Value?
    var hasDataBase64 = false
    /// Every attribute without a slot of its own.
    var others: [String: Value] = [:]

    /// The fields of an already parsed object.
    init(object: [String: Value]) {
        var others = object
        id = others.removeValue(forKey: "id")
        source = others.removeValue(forKey: "source")
        type = others.removeValue(forKey: "type")
        subject = others.removeValue(forKey: "subject")
        time = others.removeValue(forKey: "time")
        kind = others.removeValue(forKey: "kind")
        data = others.removeValue(forKey: "data")
        specversion = others["specversion"]
        hasDataBase64 = others["data_base64"] != nil
        self.others = others
    }

    init() {}

    /// The envelope attributes that have a slot.
    enum Slot {
        case id, source, type, subject, time, kind, data
    }

    /// Fills a slot; false when it was filled already (a duplicate key).
    mutating func fill(_ slot: Slot, with value: Value) -> Bool {
        func set(_ field: inout Value?) -> Bool {
            guard field == nil else { return false }
            field = value
            return true
        }
        switch slot {
        case .id: return set(&id)
        case .source: return set(&source)
        case .type: return set(&type)
        case .subject: return set(&subject)
        case .time: return set(&time)
        case .kind: return set(&kind)
        case .data: return set(&data)
        }
    }
}

/// A document that should be one CloudEvent: an object's fields, or whatever else it was.
enum ParsedEvent {
    case object(EventFields)
    case other(Value)
}

extension JSONParser {
    mutating func parseEventDocument() throws(JSONError) -> ParsedEvent {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { return .other(try parseDocument()) }
        var fields = EventFields()
        try parseMembers { (parser, key) throws(JSONError) in
            let value = try parser.parseValue()
            if let slot = parser.envelopeSlot(of: key) {
                guard fields.fill(slot, with: value) else {
                    throw parser.error(
                        "duplicate key \(JSON.encode(.string(parser.string(of: key)))) in object",
                        at: key.offset
                    )
                }
                return
            }
            if parser.key(key, is: "specversion") { fields.specversion = value }
            if parser.key(key, is: "data_base64") { fields.hasDataBase64 = true }
            parser.members.append(Member(key: parser.string(of: key), value: value, keyOffset: key.offset))
        }
        fields.others = try takeMembers(from: 0)
        skipWhitespace()
        guard index == bytes.count else { throw error("trailing characters after JSON value, found \(found())") }
        return .object(fields)
    }

    /// The slot of an envelope attribute, found by length first so that most keys are ruled out
    /// with one comparison.
    private func envelopeSlot(of key: Key) -> EventFields.Slot? {
        let length = key.decoded?.utf8.count ?? key.content.count
        switch length {
        case 2: return self.key(key, is: "id") ? .id : nil
        case 4:
            if self.key(key, is: "type") { return .type }
            if self.key(key, is: "time") { return .time }
            if self.key(key, is: "data") { return .data }
            if self.key(key, is: "kind") { return .kind }
            return nil
        case 6: return self.key(key, is: "source") ? .source : nil
        case 7: return self.key(key, is: "subject") ? .subject : nil
        default: return nil
        }
    }
}
