import ContextdEngine

/// Rules compiled on every core. Reading and compiling a rule depends only on what the
/// sections before `rules` declared, never on another rule, and compiling is half of a
/// 1,000-rule load: with the rules cut into shards, a reload on two cores takes about the
/// time of one half.
///
/// Each shard has its own builder (the declarations copied, its own diagnostic log), so no
/// state is shared while the shards run; the rules and diagnostics are joined in rule order
/// afterwards, so the result is the one a single thread would give.
enum RuleShards {
    /// Fewer rules than this per shard are not worth a thread.
    static let minimumRules = 64
    /// At most this many shards; `concurrentPerform` runs as many at once as there are cores.
    static let maximumShards = 4

    static func read(_ headers: [RuleSetBuilder.RuleHeader], builder: RuleSetBuilder) -> [Rule] {
        let count = min(maximumShards, headers.count / minimumRules)
        guard count > 1 else { return headers.compactMap(builder.readRule) }
        let size = (headers.count + count - 1) / count
        let shards = stride(from: 0, to: headers.count, by: size).map { start in
            (builder: RuleSetBuilder(readingRulesFor: builder), headers: headers[start..<min(start + size, headers.count)])
        }
        let read = shards.concurrentMap { $0.headers.compactMap($0.builder.readRule) }
        for shard in shards { builder.log.report(contentsOf: shard.builder.log) }
        return read.flatMap { $0 }
    }
}
