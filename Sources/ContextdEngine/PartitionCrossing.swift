/// A policy whose result depends on entities of other partitions than the task's subject:
/// on several nodes (docs/decisions/0018-several-nodes.md §3) it is not yet exact, and a node
/// says so rather than let it pass silently.
///
/// Found from the loaded rule set alone, per policy kind: a deferral released by another
/// entity's event (the assignee's session releasing a subject's task), and a contact cap counted
/// per assignee (tasks of many subjects count together). Rules that read another entity
/// (`entity(…)`) are not found yet; the decision lists them with the watermark that will make
/// all of these exact.
public struct PartitionCrossing: Sendable, Hashable {
    public var policy: String
    public var file: String
    /// Why, in words.
    public var reason: String

    /// The crossings of `ruleSet`, in declared order.
    public static func of(_ ruleSet: RuleSet) -> [PartitionCrossing] {
        ruleSet.policies.compactMap { policy in
            switch policy.action {
            case .defer(_, _, let release?):
                return PartitionCrossing(policy: policy.id, file: policy.file, reason: """
                    a deferred task is released early by an event of another entity (\
                    \(release.on.sorted().joined(separator: ", "))), which may belong to another node's partition
                    """)
            case .contact(let cap) where cap.by == .assignee:
                return PartitionCrossing(policy: policy.id, file: policy.file, reason: """
                    it counts the tasks of every subject per assignee, and those subjects belong to many partitions
                    """)
            default:
                return nil
            }
        }
    }
}
