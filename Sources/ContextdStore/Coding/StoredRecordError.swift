/// A stored row that cannot be read back: the database was written by something else, or by
/// a version of contextd that stored it differently. Names the table and key so an operator
/// can look at the row.
public struct StoredRecordError: Error, Sendable, CustomStringConvertible {
    public var table: String
    public var key: String
    public var problem: String

    public var description: String { "store: cannot read \(table) '\(key)': \(problem)" }
}

/// Field access over a decoded object that reports what is missing instead of trapping.
struct StoredObject {
    let fields: [String: ContextdEvents.Value]
    let table: String
    let key: String

    init(_ value: ContextdEvents.Value, table: String, key: String) throws {
        guard case .object(let fields) = value else {
            throw StoredRecordError(table: table, key: key, problem: "expected an object")
        }
        self.fields = fields
        self.table = table
        self.key = key
    }

    func value(_ name: String) -> ContextdEvents.Value { fields[name] ?? .null }

    func string(_ name: String) throws -> String {
        guard case .string(let text) = value(name) else { throw missing(name, "a string") }
        return text
    }

    func optionalString(_ name: String) throws -> String? {
        if case .null = value(name) { return nil }
        return try string(name)
    }

    func number(_ name: String) throws -> Double {
        guard case .number(let number) = value(name) else { throw missing(name, "a number") }
        return number
    }

    func time(_ name: String) throws -> ContextdEvents.Timestamp {
        guard case .timestamp(let time) = value(name) else { throw missing(name, "a timestamp") }
        return time
    }

    func optionalTime(_ name: String) throws -> ContextdEvents.Timestamp? {
        if case .null = value(name) { return nil }
        return try time(name)
    }

    func list(_ name: String) throws -> [ContextdEvents.Value] {
        guard case .list(let items) = value(name) else { throw missing(name, "a list") }
        return items
    }

    func strings(_ name: String) throws -> [String] {
        try list(name).map { item in
            guard case .string(let text) = item else { throw missing(name, "a list of strings") }
            return text
        }
    }

    func object(_ name: String) throws -> [String: ContextdEvents.Value] {
        guard case .object(let object) = value(name) else { throw missing(name, "an object") }
        return object
    }

    func missing(_ name: String, _ expected: String) -> StoredRecordError {
        StoredRecordError(table: table, key: key, problem: "field '\(name)' is not \(expected)")
    }
}

import ContextdEvents
