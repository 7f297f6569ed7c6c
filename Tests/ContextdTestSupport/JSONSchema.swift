public import ContextdEvents
import Foundation

/// A JSON Schema validator for the subset docs/openapi.json uses: `type` (one or a list, with
/// `integer` a whole number), `properties`, `required`, `additionalProperties` (false or a
/// schema), `items`, `enum`, `$ref` to `#/components/...`, `minimum` and `maximum`. Any other
/// keyword (`description`, `format`, `default`) constrains nothing, as in JSON Schema; an empty
/// schema accepts any value.
///
/// A library would do, but none is in the package and the tests must show what they check: each
/// problem names the JSON path and what was expected, so a failing test says which field of which
/// response broke the document.
public struct JSONSchema: Sendable {
    /// The whole document, for `$ref`s.
    public let root: Value

    public init(root: Value) { self.root = root }

    /// Every way `value` breaks `schema`; empty when it conforms.
    public func problems(_ value: Value, against schema: Value, at path: String = "$") -> [String] {
        guard case .object(let keywords) = schema else {
            return schema == .bool(false) ? ["\(path): no value is allowed here"] : []
        }
        if case .string(let reference)? = keywords["$ref"] {
            guard let target = resolve(reference) else { return ["\(path): unresolvable $ref \(reference)"] }
            return problems(value, against: target, at: path)
        }
        if let types = keywords["type"], !Self.matches(value, types) {
            return ["\(path): expected \(Self.text(types)), got \(Self.kind(of: value)) \(JSON.encode(value))"]
        }
        var found: [String] = []
        if case .list(let allowed)? = keywords["enum"], !allowed.contains(value) {
            found.append("\(path): \(JSON.encode(value)) is not one of \(JSON.encode(.list(allowed)))")
        }
        if case .number(let number) = value {
            if case .number(let minimum)? = keywords["minimum"], number < minimum {
                found.append("\(path): \(number) is below the minimum \(minimum)")
            }
            if case .number(let maximum)? = keywords["maximum"], number > maximum {
                found.append("\(path): \(number) is above the maximum \(maximum)")
            }
        }
        if case .list(let items) = value, let itemSchema = keywords["items"] {
            for (index, item) in items.enumerated() {
                found += problems(item, against: itemSchema, at: "\(path)[\(index)]")
            }
        }
        if case .object(let object) = value { found += objectProblems(object, keywords, at: path) }
        return found
    }

    private func objectProblems(_ object: [String: Value], _ keywords: [String: Value], at path: String) -> [String] {
        var found: [String] = []
        let properties = keywords["properties"]?.objectValue ?? [:]
        if case .list(let required)? = keywords["required"] {
            for case .string(let name) in required where object[name] == nil {
                found.append("\(path): the required property '\(name)' is missing")
            }
        }
        for name in object.keys.sorted() {
            let child = "\(path).\(name)"
            if let propertySchema = properties[name] {
                found += problems(object[name]!, against: propertySchema, at: child)
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    found.append("\(path): unknown property '\(name)' (additionalProperties is false)")
                } else {
                    found += problems(object[name]!, against: additional, at: child)
                }
            }
        }
        return found
    }

    /// `#/components/schemas/Task` and the like: a JSON pointer into the document.
    public func resolve(_ reference: String) -> Value? {
        guard reference.hasPrefix("#/") else { return nil }
        var node = root
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard case .object(let object) = node, let next = object[key] else { return nil }
            node = next
        }
        return node
    }

    private static func matches(_ value: Value, _ types: Value) -> Bool {
        switch types {
        case .string(let type): return matches(value, type)
        case .list(let list): return list.contains { if case .string(let type) = $0 { matches(value, type) } else { false } }
        default: return false
        }
    }

    private static func matches(_ value: Value, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .list), ("object", .object),
            ("number", .number):
            return true
        case ("integer", .number(let number)): return number.rounded() == number && number.isFinite
        default: return false
        }
    }

    private static func kind(of value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .list: "array"
        case .object: "object"
        case .timestamp, .duration: "non-JSON value"
        }
    }

    private static func text(_ types: Value) -> String {
        if case .string(let type) = types { return type }
        if case .list(let list) = types { return list.compactMap(\.stringValue).joined(separator: " or ") }
        return JSON.encode(types)
    }
}
