import ContextdEvents
import ContextdTestSupport
import Testing

/// The validator the conformance tests rely on catches what it must: were it to accept anything,
/// every conformance test would pass without checking a thing.
@Suite struct JSONSchemaTests {
    /// A small document in the shape of docs/openapi.json: a `$ref`, a nullable field, an enum,
    /// a map, a minimum.
    static let document = try! JSON.parse(#"""
        {"components": {"schemas": {
          "Lease": {"type": "object", "required": ["id", "attempt", "until"], "additionalProperties": false,
            "properties": {"id": {"type": "string"}, "attempt": {"type": "integer", "minimum": 1, "maximum": 9},
                           "until": {"type": ["string", "null"]}}},
          "Leases": {"type": "object", "required": ["tasks"], "additionalProperties": false,
            "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Lease"}},
                           "state": {"type": "string", "enum": ["queued", "leased"]},
                           "scores": {"type": "object", "additionalProperties": {"type": "number"}}}}
        }}}
        """#)
    static let leases = JSONSchema(root: document).resolve("#/components/schemas/Leases")!

    func problems(_ json: String) throws -> [String] {
        JSONSchema(root: Self.document).problems(try JSON.parse(json), against: Self.leases)
    }

    @Test func aConformingBodyHasNoProblems() throws {
        #expect(try problems(#"{"tasks":[{"id":"l-1","attempt":1,"until":null},{"id":"l-2","attempt":2,"until":"x"}],"state":"queued","scores":{"a":0.5}}"#) == [])
        #expect(try problems(#"{"tasks":[]}"#) == [])
    }

    @Test func anUnknownPropertyIsCaught() throws {
        #expect(try problems(#"{"tasks":[{"id":"l-1","attempt":1,"until":null,"holder":"x"}]}"#)
            == ["$.tasks[0]: unknown property 'holder' (additionalProperties is false)"])
        #expect(try problems(#"{"tasks":[],"extra":1}"#) == ["$: unknown property 'extra' (additionalProperties is false)"])
    }

    @Test func aMissingRequiredFieldIsCaught() throws {
        #expect(try problems(#"{"tasks":[{"id":"l-1","attempt":1}]}"#)
            == ["$.tasks[0]: the required property 'until' is missing"])
        #expect(try problems(#"{}"#) == ["$: the required property 'tasks' is missing"])
    }

    @Test func aWrongTypeIsCaught() throws {
        #expect(try problems(#"{"tasks":[{"id":7,"attempt":1,"until":null}]}"#)
            == [#"$.tasks[0].id: expected string, got number 7"#])
        #expect(try problems(#"{"tasks":[{"id":"l","attempt":1.5,"until":null}]}"#)
            == ["$.tasks[0].attempt: expected integer, got number 1.5"])
        #expect(try problems(#"{"tasks":[{"id":"l","attempt":1,"until":false}]}"#)
            == ["$.tasks[0].until: expected string or null, got boolean false"])
        #expect(try problems(#"{"tasks":{}}"#) == ["$.tasks: expected array, got object {}"])
        #expect(try problems(#"{"tasks":[],"scores":{"a":"high"}}"#) == [#"$.scores.a: expected number, got string "high""#])
    }

    @Test func enumsAndBoundsAreCaught() throws {
        #expect(try problems(#"{"tasks":[],"state":"dead"}"#) == [#"$.state: "dead" is not one of ["queued","leased"]"#])
        #expect(try problems(#"{"tasks":[{"id":"l","attempt":0,"until":null},{"id":"l","attempt":10,"until":null}]}"#)
            == ["$.tasks[0].attempt: 0.0 is below the minimum 1.0", "$.tasks[1].attempt: 10.0 is above the maximum 9.0"])
    }

    @Test func anUnresolvableReferenceIsAProblemNotAPass() throws {
        let schema = try JSON.parse(##"{"$ref": "#/components/schemas/Nothing"}"##)
        #expect(JSONSchema(root: Self.document).problems(.null, against: schema)
            == ["$: unresolvable $ref #/components/schemas/Nothing"])
    }
}
