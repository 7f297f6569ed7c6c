public import ContextdEvents

/// What one policy (or a rule's own `dedup`) did to one candidate task (see ``EngineObserver``).
public struct PolicyStep: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case `defer`, suppress, dedup, expire, route
        /// The rule's own `task.dedup`, which runs after every policy.
        case ruleDedup = "rule_dedup"
    }

    /// Why a policy left a task alone.
    public enum Reason: String, Sendable, Hashable {
        /// The policy's `rules` does not name the task's rule.
        case ruleNotListed = "rule_not_listed"
        /// Its `applies_to` was not true.
        case appliesTo = "applies_to"
        /// Its `when` was not true.
        case when
    }

    public enum Effect: Sendable, Hashable {
        /// The policy did not apply to the task.
        case notApplicable(Reason)
        /// `not_before` was set to `until`.
        case deferred(until: Timestamp)
        /// The defer's `when` held, but `until` was not a time later than the task's creation
        /// (and its current `not_before`), so nothing changed.
        case notDeferred(until: Value)
        /// Stopped by the suppress policy's `when` (a policy with no `limit`).
        case suppressed
        /// Stopped: `count` tasks with this limit key were already let through in the period.
        case limitReached(key: String, count: Int, limit: Int, per: TimeSpan)
        /// Let through under the limit; the task counts towards it from now on.
        case counted(key: String, count: Int, limit: Int, per: TimeSpan)
        /// Stopped: a task with the same dedup key was emitted at `previous`, within `window`
        /// (nil: for ever).
        case deduplicated(key: String, previous: Timestamp, window: TimeSpan?)
        /// Let through: no task with this dedup key in the window; the key is claimed.
        case firstForKey(key: String, window: TimeSpan?)
        /// `expires_at` was set.
        case expires(at: Timestamp)
        /// The task already had an `expires_at` (from its rule), which was kept.
        case keptExpiry(at: Timestamp?)
        /// The assignee was replaced.
        case routed(from: String, to: String)
        /// The policy failed at run time (a fault); the task went on as if it did not apply.
        case failed(String)
    }

    /// The policy id, or `dedup` for the rule's own dedup (as in ``TaskChange/suppressed(_:policy:)``).
    public var policy: String
    public var kind: Kind
    /// The rule that proposed the task, and the candidate's id.
    public var rule: String
    public var task: String
    public var effect: Effect

    public init(policy: String, kind: Kind, rule: String, task: String, effect: Effect) {
        self.policy = policy
        self.kind = kind
        self.rule = rule
        self.task = task
        self.effect = effect
    }

    /// Whether the policy applied to the task (its `rules` and `applies_to` let it look at it).
    public var applied: Bool {
        switch effect {
        case .notApplicable(.ruleNotListed), .notApplicable(.appliesTo): false
        default: true
        }
    }

    /// Whether the policy changed or stopped the task.
    public var acted: Bool {
        switch effect {
        case .deferred, .suppressed, .limitReached, .deduplicated, .expires, .routed: true
        case .notApplicable, .notDeferred, .counted, .firstForKey, .keptExpiry, .failed: false
        }
    }

    /// Whether the policy stopped the task (it is not emitted).
    public var stopped: Bool { effect.stops }
}

extension PolicyStep.Effect {
    /// Whether this effect stops the task: it goes to no further policy and is not emitted.
    public var stops: Bool {
        switch self {
        case .suppressed, .limitReached, .deduplicated: true
        default: false
        }
    }
}
