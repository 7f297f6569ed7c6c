import ContextdEvents
import Testing

@Suite("CloudEvents validation")
struct EventDecoderTests {
    @Test func decodesAFullEvent() throws {
        let line = #"""
            {"specversion":"1.0","id":"evt-1","source":"/core-banking","type":"account.balance",
             "subject":"cust-42","time":"2026-11-22T12:40:00.5+02:00","datacontenttype":"application/json",
             "kind":"process","traceparent":"00-abc-01","data":{"balance":-12.5,"currency":"EUR"}}
            """#
        let event = try EventDecoder().decode(line: Array(line.utf8), lineNumber: 3).get()
        #expect(event.id == "evt-1")
        #expect(event.source == "/core-banking")
        #expect(event.type == "account.balance")
        #expect(event.subject == "cust-42")
        #expect(event.time == Timestamp(milliseconds: Samples.tenForty.milliseconds + 500))
        #expect(event.kind == .process)
        #expect(event.data == .object(["balance": .number(-12.5), "currency": .string("EUR")]))
        #expect(
            event.attributes == [
                "specversion": .string("1.0"), "datacontenttype": .string("application/json"),
                "traceparent": .string("00-abc-01"),
            ]
        )
    }

    @Test func aDecodedEventCarriesItsValueAndForgetsItWhenChanged() throws {
        let line = #"{"specversion":"1.0","id":"e1","source":"s","type":"t","subject":"c","time":"2026-11-22T10:00:00Z","data":{"a":1}}"#
        var decoded = try EventDecoder().decode(line: Array(line.utf8), lineNumber: 1).get()
        let built = Event(id: "e1", source: "s", type: "t", subject: "c", time: Timestamp(rfc3339: "2026-11-22T10:00:00Z")!,
            kind: decoded.kind, data: .object(["a": .number(1)]), attributes: ["specversion": .string("1.0")])
        // The value built ahead is not part of what the event is.
        #expect(decoded == built)
        #expect(decoded.hashValue == built.hashValue)
        #expect(decoded.value == built.value)
        decoded.data = .object(["a": .number(2)])
        #expect(decoded.value["data"] == .object(["a": .number(2)]))
        decoded.subject = "other"
        #expect(decoded.value["subject"] == .string("other"))
    }

    @Test func rendersTheEventForRules() throws {
        let event = Samples.event(id: "evt-7", kind: .process)
        #expect(
            event.value
                == .object([
                    "id": .string("evt-7"), "source": .string("cards"), "type": .string("card.transaction"),
                    "subject": .string("cust-42"), "time": .timestamp(Samples.tenForty), "kind": .string("process"),
                    "data": .object(["amount": .number(12.5), "city": .string("Paris")]),
                    "specversion": .string("1.0"),
                ])
        )
    }

    @Test(arguments: [
        (EventKind.data, #""kind":"process","#, EventKind.process), (.process, "", .process), (.data, "", .data),
        (.process, #""kind":null,"#, .process),
    ])
    func takesKindFromTheEventOrTheInput(defaultKind: EventKind, attribute: String, expected: EventKind) throws {
        let line =
            #"{\#(attribute)"specversion":"1.0","id":"1","source":"s","type":"t","subject":"u","time":"2026-11-22T10:40:00Z"}"#
        let event = try EventDecoder(defaultKind: defaultKind).decode(line: Array(line.utf8), lineNumber: 1).get()
        #expect(event.kind == expected)
        #expect(event.data == .null)
        #expect(event.attributes == ["specversion": .string("1.0")])
    }

    static let valid: [String: String] = [
        "specversion": #""1.0""#, "id": #""evt-1""#, "source": #""cards""#, "type": #""card.transaction""#,
        "subject": #""cust-42""#, "time": #""2026-11-22T10:40:00Z""#,
    ]

    /// The valid attributes with `name` replaced by `json` (or removed when `json` is nil).
    static func line(_ name: String, _ json: String?) -> String {
        var attributes = valid
        attributes[name] = json
        return "{" + attributes.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            + "}"
    }

    @Test(arguments: [
        ("[1]", "expected a JSON object (a CloudEvent), got a list"),
        (#""evt""#, "expected a JSON object (a CloudEvent), got a string"),
        ("null", "expected a JSON object (a CloudEvent), got null"),
        (line("specversion", nil), #"missing required attribute 'specversion' (must be "1.0")"#),
        (line("specversion", #""0.3""#), #"attribute 'specversion' must be "1.0", got "0.3""#),
        (line("specversion", "1.0"), #"attribute 'specversion' must be "1.0", got 1"#),
        (line("id", nil), "missing required attribute 'id'"),
        (line("id", "null"), "missing required attribute 'id'"),
        (line("id", "17"), "attribute 'id' must be a string, got a number"),
        (line("source", #""""#), "attribute 'source' must not be empty"),
        (line("type", "[]"), "attribute 'type' must be a string, got a list"),
        (line("subject", nil), "missing required attribute 'subject'"),
        (line("subject", "{}"), "attribute 'subject' must be a string, got an object"),
        (line("time", nil), "missing required attribute 'time'"),
        (
            line("time", #""2026-13-01T00:00:00Z""#),
            #"attribute 'time' is not an RFC 3339 timestamp: "2026-13-01T00:00:00Z""#
        ),
        (line("time", #""2026-11-22 10:40""#), #"attribute 'time' is not an RFC 3339 timestamp: "2026-11-22 10:40""#),
        (line("time", "1795344000"), "attribute 'time' must be an RFC 3339 timestamp string, got a number"),
        (line("data", "5"), "'data' must be a JSON object, got a number"),
        (line("data", #""text""#), "'data' must be a JSON object, got a string"),
        (line("data", "[1]"), "'data' must be a JSON object, got a list"),
        (line("data", "true"), "'data' must be a JSON object, got a boolean"),
        (line("kind", #""other""#), #"attribute 'kind' must be "data" or "process", got "other""#),
        (line("kind", "true"), #"attribute 'kind' must be "data" or "process", got a boolean"#),
        (
            line("data_base64", #""eyJhIjoxfQ==""#),
            "attribute 'data_base64' is not supported: contextd needs the payload as a JSON object in 'data'"
        ),
        (
            #"{"id": tru}"#,
            "invalid JSON: invalid literal 'tru' (expected a string, number, object, array, true, false or null) at column 8"
        ),
    ])
    func rejectsWithAClearMessage(line: String, error: String) throws {
        let result = EventDecoder().decode(line: Array(line.utf8), lineNumber: 12)
        #expect(result == .failure(EventRejection(line: 12, error: error, raw: line)))
        // An already parsed object is checked the same way.
        if let object = try? JSON.parse(line) {
            let fromValue = EventDecoder().decode(object, line: 12)
            #expect(fromValue == .failure(EventRejection(line: 12, error: error, raw: JSON.encode(object))))
        }
    }

    @Test(arguments: [
        (#"{"id":"a","id":"b"}"#, #"invalid JSON: duplicate key "id" in object at column 11"#),
        (#"{"id":"a","\u0069d":"b"}"#, #"invalid JSON: duplicate key "id" in object at column 11"#),
        (#"{"x":1,"y":2,"x":3}"#, #"invalid JSON: duplicate key "x" in object at column 14"#),
        (#"{"data":{"a":1,"a":1}}"#, #"invalid JSON: duplicate key "a" in object at column 16"#),
        (#"{"id":"a"} {"id":"b"}"#, "invalid JSON: trailing characters after JSON value, found '{' at column 12"),
    ])
    func rejectsDuplicateKeysAndTrailingText(line: String, error: String) {
        #expect(
            EventDecoder().decode(line: Array(line.utf8), lineNumber: 1)
                == .failure(EventRejection(line: 1, error: error, raw: line))
        )
    }

    @Test func readsEscapedAttributeNamesAndValues() throws {
        let line = #"""
            {"specversion":"1.0","\u0069d":"evt-\"1\"","source":"cards","type":"card.transaction","subj\u0065ct":"cust-42",
             "time":"2026-11-22T10:40:00Z","data":{"note":"caf\u00e9\n","tags":["a",{"b":null}]},"ext\u00e9":true}
            """#
        let event = try EventDecoder().decode(line: Array(line.utf8), lineNumber: 1).get()
        #expect(event.id == #"evt-"1""#)
        #expect(event.subject == "cust-42")
        #expect(
            event.data == .object(["note": .string("café\n"), "tags": .list([.string("a"), .object(["b": .null])])])
        )
        #expect(event.attributes == ["specversion": .string("1.0"), "exté": .bool(true)])
    }

    @Test func acceptsTheValidBaseline() throws {
        let event = try EventDecoder().decode(line: Array(Self.line("data", #"{"x":1}"#).utf8), lineNumber: 1).get()
        #expect(event.id == "evt-1")
        #expect(event.data == .object(["x": .number(1)]))
    }

    @Test func decodesAnAlreadyParsedObject() throws {
        let object = try JSON.parse(Self.line("subject", nil))
        let result = EventDecoder().decode(object, line: 4)
        #expect(
            result
                == .failure(
                    EventRejection(line: 4, error: "missing required attribute 'subject'", raw: JSON.encode(object))
                )
        )
        let event = try EventDecoder().decode(try JSON.parse(Samples.line(id: "e")), line: 1).get()
        #expect(event == Samples.event(id: "e"))
    }
}
