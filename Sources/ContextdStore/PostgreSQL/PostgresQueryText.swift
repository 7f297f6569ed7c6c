import PostgresNIO

/// A statement built piece by piece (filters that depend on the request), with `$n`
/// placeholders numbered as the values are bound: no value is ever spliced into the text.
struct PostgresQueryText {
    var sql = ""
    var binds = PostgresBindings()

    /// Binds `value` and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }

    /// `assignee` under one of `prefixes` (an empty prefix covers everyone); no prefixes: false.
    mutating func assigneeUnder(_ prefixes: [String], column: String = "assignee") -> String {
        guard !prefixes.isEmpty else { return "false" }
        return "EXISTS (SELECT 1 FROM unnest(\(bind(prefixes))::text[]) AS prefix WHERE starts_with(\(column), prefix))"
    }

    /// ` AND` the row's partition among `scope`'s (``OutboxScope``); nothing without a scope.
    mutating func partitionsOf(_ scope: OutboxScope?) -> String {
        guard let scope else { return "" }
        let count = bind(Int64(scope.count))
        let partitions = bind(scope.partitions.sorted().map(Int64.init))
        return " AND partition % \(count) = ANY(\(partitions)::bigint[])"
    }

    /// ` AND` the task staged by `scope`'s node; nothing without a scope.
    mutating func stagedBy(_ scope: OutboxScope?) -> String {
        guard let scope else { return "" }
        return " AND staged_by = \(bind(scope.node))"
    }
}

/// Reads a row's cells by column name, saying which column when a type does not match.
struct PostgresRowReader {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    subscript<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) -> T {
        get throws { try row[column].decode(T.self) }
    }
}
