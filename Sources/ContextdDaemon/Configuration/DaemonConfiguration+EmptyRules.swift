public import ContextdEngine

extension DaemonConfiguration {
    /// Why `ruleSet` may not run: it has no rule and `reload.allow_empty` is off; nil when it may.
    ///
    /// An emptied rules directory (a deploy that removed the files, a mount that went away)
    /// loads without an error, and the daemon then consumed every event for nothing: files went
    /// to `done/`, no task came out, and nothing said why. It is refused at start (exit 78) and in
    /// a reload (the previous rules stay), unless the configuration says an empty set is meant.
    public func emptyRulesRefusal(_ ruleSet: RuleSet) -> String? {
        guard ruleSet.rules.isEmpty, !allowEmptyRules else { return nil }
        return "the rules at \(rules.joined(separator: ", ")) hold no rule, so every event would be consumed "
            + "and no task made; put rule files there, or set 'reload.allow_empty: true' to run without rules"
    }
}
