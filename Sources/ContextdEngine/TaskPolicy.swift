public import ContextdEvents
public import ContextdExpressions

/// A policy that every candidate task passes through before it reaches the outbox.
///
/// Rules say what would be worth doing; policies say whether, when and by whom, the way a
/// contact policy does in a next-best-action system. They run in declared order.
///
/// A class, immutable once loaded, for the reason ``Rule`` is one.
public final class TaskPolicy: Sendable {
    public let id: String
    public let description: String
    public let file: String
    /// Only tasks of these rules; nil means every rule.
    public let rules: Set<String>?
    /// Only tasks for which this holds (over `task`, `context`, `now`).
    public let appliesTo: CompiledExpression?
    public let action: Action
    public let scope: EvaluationScope

    public enum Action: Sendable {
        /// Hold the task back: `not_before = until` when `when` holds; release early on an event.
        case `defer`(when: CompiledExpression?, until: CompiledExpression, release: Release?)
        /// Drop the task when `when` holds, or when `limit` tasks with the same key were already
        /// let through within the period.
        case suppress(when: CompiledExpression?, limit: Limit?)
        /// At most one task per key per window (nil: for ever).
        case dedup(key: Template, window: TimeSpan?)
        /// Set `expires_at = created_at + after` unless the rule set one.
        case expire(after: TimeSpan)
        /// Hand the task to another assignee when `when` holds.
        case route(when: CompiledExpression?, assignee: Template)
        /// At most `count` tasks per assignee (or subject) and channel per period; urgent tasks
        /// are exempt (the contact policy of next-best-action systems).
        case contact(ContactCap)
        /// Stop a rule's tasks for a subject for a period after one of `outcomes` was reported
        /// for that rule and subject.
        case cooldown(outcomes: [TaskOutcome.Outcome], for: TimeSpan)
    }

    /// `kind: contact`: how many tasks one person (or one subject) may get on one channel.
    public struct ContactCap: Sendable {
        /// Whom tasks are counted for.
        public enum Party: String, Sendable, Hashable, CaseIterable {
            case assignee, subject
        }

        public var count: Int
        public var per: TimeSpan
        public var by: Party
        /// Tasks with at least this priority are never stopped, though they count.
        public var exemptPriority: Double?

        public init(count: Int, per: TimeSpan, by: Party, exemptPriority: Double?) {
            self.count = count
            self.per = per
            self.by = by
            self.exemptPriority = exemptPriority
        }
    }

    /// An event about the task's assignee that releases a deferred task early: not_before
    /// becomes the event's time when `created_at < time < not_before`.
    public struct Release: Sendable {
        public var on: Set<String>
        public var when: CompiledExpression?
        public var scope: EvaluationScope
        public init(on: Set<String>, when: CompiledExpression?, scope: EvaluationScope) {
            self.on = on
            self.when = when
            self.scope = scope
        }
    }

    public struct Limit: Sendable {
        public var count: Int
        public var per: TimeSpan
        public var key: Template
        public init(count: Int, per: TimeSpan, key: Template) {
            self.count = count
            self.per = per
            self.key = key
        }
    }

    public init(
        id: String, description: String, file: String, rules: Set<String>?, appliesTo: CompiledExpression?,
        action: Action, scope: EvaluationScope
    ) {
        self.id = id
        self.description = description
        self.file = file
        self.rules = rules
        self.appliesTo = appliesTo
        self.action = action
        self.scope = scope
    }
}
