@testable import ContextdRules
import Foundation
import Testing

/// The JSON Schemas in `schema/` name exactly the keys the loader reads, so an editor never
/// offers a key `contextd check` rejects, nor flags one it accepts. When a key is added to the
/// loader, this fails until the schema (and docs/rules.md) have it too. `scripts/check-schemas`
/// (run by `.ci/run`) validates the repository's files against the same schemas.
@Suite struct RuleSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func schema(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("schema/\(name)"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The object at a path of keys, e.g. `["$defs", "rule"]`.
    static func object(_ schema: [String: Any], _ path: [String]) throws -> [String: Any] {
        var current = schema
        for key in path { current = try #require(current[key] as? [String: Any], "no \(path.joined(separator: "/"))") }
        return current
    }

    static func keys(_ schema: [String: Any], _ path: [String]) throws -> Set<String> {
        Set(try object(schema, path + ["properties"]).keys)
    }

    static func kindEnum(_ schema: [String: Any], _ definition: String) throws -> [String] {
        try #require(try object(schema, ["$defs", definition, "properties", "kind"])["enum"] as? [String])
    }

    @Test func ruleFileKeysAreTheLoaders() throws {
        let schema = try Self.schema("rules.schema.json")
        #expect(try Self.keys(schema, []) == Set(RuleSetBuilder.sections))
        #expect(try Self.keys(schema, ["$defs", "rule"]) == Set(RuleSetBuilder.ruleFields))
        #expect(try Self.keys(schema, ["$defs", "task"]) == Set(RuleSetBuilder.taskFields))
        #expect(try Self.keys(schema, ["$defs", "context"]) == Set(RuleSetBuilder.contextFields))
        #expect(try Self.keys(schema, ["$defs", "policy"]) == Set(RuleSetBuilder.policyFields))
        #expect(try Self.kindEnum(schema, "context") == RuleSetBuilder.contextKinds)
        #expect(try Self.kindEnum(schema, "policy") == RuleSetBuilder.policyKinds)
        #expect(try Self.kindEnum(schema, "scorer") == RuleSetBuilder.scorerKinds)
        let fieldTypes = try Self.object(schema, ["$defs", "eventSchema", "additionalProperties"])["enum"] as? [String]
        #expect(Set(fieldTypes ?? []) == Set(RuleSetBuilder.typeNames.keys))
    }

    /// Each policy kind's schema forbids exactly the kind-specific keys the loader refuses for it.
    @Test func eachPolicyKindTakesTheLoadersKeys() throws {
        let schema = try Self.schema("rules.schema.json")
        let clauses = try #require(try Self.object(schema, ["$defs", "policy"])["allOf"] as? [[String: Any]])
        let kindSpecific = Set(RuleSetBuilder.kindSpecificPolicyFields)
        // The hand-kept list (its order is the order of messages) is every kind's keys, no more.
        #expect(kindSpecific == Set(RuleSetBuilder.fieldsByPolicyKind.values.joined()))
        for (kind, allowed) in RuleSetBuilder.fieldsByPolicyKind {
            let clause = try #require(clauses.first {
                (($0["if"] as? [String: Any])?["properties"] as? [String: [String: Any]])?["kind"]?["const"] as? String
                    == kind
            }, "no clause for policy kind \(kind)")
            let forbidden = try Self.keys(clause, ["then"])
            #expect(forbidden == kindSpecific.subtracting(allowed), "policy kind \(kind)")
        }
    }

    @Test func ruleTestFileKeysAreTheTestLoaders() throws {
        let schema = try Self.schema("rules-test.schema.json")
        #expect(try Self.keys(schema, []) == Set(RuleTestLoader.fileKeys))
        #expect(try Self.keys(schema, ["$defs", "test"]) == Set(RuleTestLoader.testKeys))
        #expect(try Self.keys(schema, ["$defs", "expectation"]) == Set(RuleTestLoader.taskFields))
        #expect(try Self.keys(schema, ["$defs", "suppression"]) == ["rule", "subject", "policy"])
    }

    /// Every key has a description, so editors show help on hover.
    @Test(arguments: ["rules.schema.json", "rules-test.schema.json"]) func everyKeyIsDescribed(_ name: String) throws {
        var missing: [String] = []
        func visit(_ value: Any, _ path: String) {
            if let object = value as? [String: Any] {
                let conditional = path.hasSuffix("/then") || path.hasSuffix("/if")
                if let properties = object["properties"] as? [String: Any], !conditional {
                    for (key, property) in properties {
                        if let property = property as? [String: Any], property["description"] == nil {
                            missing.append("\(path)/\(key)")
                        }
                    }
                }
                for (key, child) in object { visit(child, "\(path)/\(key)") }
            } else if let list = value as? [Any] {
                for (index, child) in list.enumerated() { visit(child, "\(path)/\(index)") }
            }
        }
        visit(try Self.schema(name), "")
        #expect(missing.isEmpty, "\(missing.sorted())")
    }
}
