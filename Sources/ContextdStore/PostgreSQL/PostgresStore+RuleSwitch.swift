import ContextdEvents
import Foundation
import PostgresNIO

/// The cluster's rules over the log (decision 0018 §4): the rule sets the nodes loaded, kept as
/// files, and the positions the cluster's rules changed at.
///
/// Why the files are in the database: a partition may be taken over behind a change, by a node
/// that loaded only the new rules; it must still evaluate the entries before the change with the
/// rules in force there, or its tasks would differ from `replay` of the log.
extension PostgresStore {
    public func storeRuleSet(_ fingerprint: String, files: [RuleFileText]) throws {
        let text = String(decoding: try JSONEncoder().encode(files), as: UTF8.self)
        try onMembershipLink("store the rule set \(fingerprint)") { link in
            try link.run("""
                INSERT INTO rule_set (fingerprint, files) VALUES (\(fingerprint), \(text))
                ON CONFLICT (fingerprint) DO NOTHING
                """)
        }
    }

    public func ruleSetFiles(_ fingerprint: String) throws -> [RuleFileText]? {
        let text: String? = try onMembershipLink("read the rule set \(fingerprint)") { link in
            try link.run("SELECT files FROM rule_set WHERE fingerprint = \(fingerprint)").rows.first
                .map { try PostgresRowReader($0)["files"] }
        }
        return try text.map { try JSONDecoder().decode([RuleFileText].self, from: Data($0.utf8)) }
    }

    public func rulesInForce(after position: Int64) throws -> String? {
        try onMembershipLink("read the rules in force at position \(position)") { link in
            try link.run("""
                SELECT fingerprint FROM cluster_rules WHERE from_pos <= \(position) ORDER BY from_pos DESC LIMIT 1
                """).rows.first.map { try PostgresRowReader($0)["fingerprint"] }
        }
    }

    /// Appends the `rules` entry of a change to `fingerprint` and records where it took effect,
    /// inside the caller's transaction (the heartbeat that saw every live node run them). The
    /// entry keeps the log's clock: a change of rules is no step in time.
    static func appendRulesEntry(_ fingerprint: String, _ link: PostgresConnectionLink) throws {
        let head = try lockHead(link)
        let position = head.position + 1
        let clock = head.clock ?? 0
        try link.run("""
            INSERT INTO event_log (pos, kind, time, clock_after, body)
            VALUES (\(position), 'rules', \(clock), \(clock), \(fingerprint))
            """)
        try link.run("UPDATE log_head SET pos = \(position) WHERE id = 1")
        try link.run("INSERT INTO cluster_rules (from_pos, fingerprint) VALUES (\(position), \(fingerprint))")
        try link.run("NOTIFY \(unescaped: logChannel)")
    }
}
