/// How log records are written: one line per record either way.
///
/// `text` is for people reading a terminal or the journal; `json` for log shippers that index
/// the metadata (`rule.id`, `spool.name`) as fields.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    case text
    case json
}
