import ContextdEvents
import Testing

/// ``Event/jsonLine``: the text the cluster's event log keeps of an event no producer wrote (a
/// task outcome). ``EventDecoder`` must decode it back to an equal event, whatever the spool's
/// default kind, and it must be one line.
@Suite struct EventJSONLineTests {
    static let version: [String: Value] = ["specversion": "1.0"]

    static func event(
        id: String = "e-1", subject: String = "cust-42", time: String = "2026-11-22T10:40:00Z", kind: EventKind = .data,
        data: Value = .null, attributes: [String: Value] = version
    ) -> Event {
        Event(
            id: id, source: "cards", type: "card.transaction", subject: subject, time: Timestamp(rfc3339: time)!,
            kind: kind, data: data, attributes: attributes)
    }

    /// The events the round trip must hold for: every part of an event, at its edges.
    static let varied: [(String, Event)] = [
        ("bare: no data, no other attribute", event()),
        ("a process event", event(kind: .process, data: ["step": "scheduled"])),
        ("unicode and escapes", event(
            id: "id \"quoted\" \\ back", subject: "Zoë 🚀 東京",
            data: [
                "quote": "say \"hi\"", "backslash": #"C:\dir\file"#, "controls": "a\nb\rc\td\u{8}e\u{C}f\u{1}g\u{1F}",
                "separators": "line\u{2028}para\u{2029}", "delete": "x\u{7F}y", "slash": "a/b</script>",
                "ключ \"с\" кавычками": "значение", "": "empty key", "nul": "a\u{0}b",
            ])),
        ("nested data", event(data: [
            "list": [1, "two", [3, [4]], ["five": 5], .null, true, false, [], [:]],
            "object": ["inner": ["deeper": ["deepest": "yes", "nothing": .null]], "empty": [:]],
        ])),
        ("numbers", event(data: [
            "zero": 0, "negative": -1, "fraction": 0.1, "negative fraction": -12.5, "money": 123_456.789,
            "2^53": .number(9_007_199_254_740_992), "beyond 2^53": .number(9_007_199_254_740_994),
            "below -2^53": .number(-9_007_199_254_740_994), "huge": .number(1e300), "tiny": .number(-1.5e-300),
            "greatest": .number(.greatestFiniteMagnitude), "least": .number(.leastNonzeroMagnitude),
            "third": .number(1.0 / 3.0), "int64 max": .number(Double(Int64.max)),
        ])),
        ("milliseconds", event(time: "2026-11-22T10:40:00.123Z")),
        ("a whole second after milliseconds", event(time: "2026-11-22T10:40:01.001Z")),
        ("before 1970", event(time: "1969-07-20T20:17:40.250Z")),
        ("long before 1970", event(time: "1066-10-14T09:00:00Z")),
        ("the first instant RFC 3339 writes", event(time: "0000-01-01T00:00:00Z")),
        ("the last instant RFC 3339 writes", event(time: "9999-12-31T23:59:59.999Z")),
        ("other attributes", event(data: ["a": 1], attributes: [
            "specversion": "1.0", "datacontenttype": "application/json", "traceparent": "00-abc-01",
            "dataschema": "https://example.com/schema", "partitionkey": 7, "flags": ["x", 1, true],
            "nested": ["a": ["b": .null]], "nothing": .null,
        ])),
    ]

    @Test(arguments: varied.map(\.0))
    func decodingTheLineGivesTheEventBackWithEitherDefaultKind(name: String) throws {
        let event = try #require(Self.varied.first { $0.0 == name }?.1)
        let line = event.jsonLine
        #expect(!line.utf8.contains(0x0A) && !line.utf8.contains(0x0D), "\(line)")
        for defaultKind in EventKind.allCases {
            let decoded = EventDecoder(defaultKind: defaultKind).decode(line: Array(line.utf8), lineNumber: 1)
            switch decoded {
            case .success(let back):
                #expect(back == event, "\(name), default kind \(defaultKind): \(line)")
                #expect(back.value == event.value, "\(name): what rules see")
            case .failure(let rejection):
                Issue.record("\(name): \(rejection.error) in \(line)")
            }
        }
        // The buffer form writes the same text.
        var bytes: [UInt8] = Array("prefix ".utf8)
        event.appendJSONLine(to: &bytes)
        #expect(bytes == Array(("prefix " + line).utf8))
    }

    @Test func theLineIsTheEnvelopeInOrderThenDataThenTheOtherAttributesSorted() {
        let event = Self.event(
            time: "2026-11-22T12:40:00.5+02:00", kind: .process, data: ["b": 2, "a": "x"],
            attributes: ["traceparent": "00-abc-01", "specversion": "1.0", "datacontenttype": "application/json"])
        #expect(event.jsonLine == """
            {"specversion":"1.0","id":"e-1","source":"cards","type":"card.transaction","subject":"cust-42",\
            "time":"2026-11-22T10:40:00.500Z","kind":"process","data":{"a":"x","b":2},\
            "datacontenttype":"application/json","traceparent":"00-abc-01"}
            """)
        #expect(Self.event().jsonLine == """
            {"specversion":"1.0","id":"e-1","source":"cards","type":"card.transaction","subject":"cust-42",\
            "time":"2026-11-22T10:40:00Z","kind":"data"}
            """)
    }

    /// A producer's text (any spacing, any member order, no `kind`) decoded, written, decoded
    /// again: the same event.
    @Test func aDecodedProducersEventSurvivesTheLine() throws {
        let text = #"""
            { "data" : { "amount" : 12.50, "tags" : [ "a" , "b" ] , "when" : "2026-01-01" },
              "time" : "2026-11-22T12:40:00.123456+02:00", "subject":"cust-1", "type":"card.transaction",
              "source":"/core-banking", "id":"tx-9", "specversion":"1.0", "x-custom": { "k": [1, 2.5e3] } }
            """#
        for defaultKind in EventKind.allCases {
            let decoder = EventDecoder(defaultKind: defaultKind)
            let event = try decoder.decode(line: Array(text.utf8), lineNumber: 1).get()
            #expect(event.kind == defaultKind)
            #expect(event.time == Timestamp(rfc3339: "2026-11-22T10:40:00.123Z"))
            let line = event.jsonLine
            #expect(try EventDecoder().decode(line: Array(line.utf8), lineNumber: 1).get() == event)
            #expect(try EventDecoder(defaultKind: .process).decode(line: Array(line.utf8), lineNumber: 1).get() == event)
        }
    }

    /// What the round trip cannot keep, said in the doc comment: `specversion` is added when
    /// the attributes hold none; an attribute named like an envelope member is left out; a
    /// timestamp or duration value comes back as its text.
    @Test func whatJSONHasNoRoomForComesBackAsTheDocCommentSays() throws {
        let made = Self.event(
            data: ["at": .timestamp(Timestamp(rfc3339: "2026-11-22T10:40:00Z")!), "for": .duration(.minutes(90))],
            attributes: ["id": "shadow", "data": "shadow", "traceparent": "t"])
        let back = try EventDecoder().decode(line: Array(made.jsonLine.utf8), lineNumber: 1).get()
        #expect(back.id == "e-1")
        #expect(back.attributes == ["specversion": "1.0", "traceparent": "t"])
        #expect(back.data == ["at": "2026-11-22T10:40:00Z", "for": "1h30m"])
    }
}
