public import ContextdEvents

/// What one policy (or a rule's own `dedup`) did to one candidate task (see ``EngineObserver``).
public struct PolicyStep: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case `defer`, suppress, dedup, expire, route, contact, cooldown
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
        /// Stopped: once every policy ran, the task's `not_before` (set by this defer policy)
        /// was at or after its `expires_at`, so it could never be delivered (decision 0012).
        case deferredPastExpiry(notBefore: Timestamp, expiresAt: Timestamp)
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
        /// Stopped by a contact policy: `count` tasks for the same assignee (or subject) on the
        /// same channel were already let through in the period.
        case contactCapReached(ContactCount)
        /// Let through under the contact cap; the task counts towards it from now on.
        case contactCounted(ContactCount)
        /// Let through by a contact policy whatever the count, because its priority is at least
        /// `floor` (`exempt_priority`); it still counts towards the cap.
        case exempt(priority: Double, floor: Double, ContactCount)
        /// Stopped by a cooldown: `outcome` was reported for the task's rule and subject at `at`,
        /// and the cooldown lasts until `until` (exclusive).
        case coolingDown(outcome: TaskOutcome.Outcome, at: Timestamp, until: Timestamp)
        /// Let through by a cooldown: none of `outcomes` was reported for the task's rule and
        /// subject within the period before the task.
        case notCoolingDown(outcomes: [TaskOutcome.Outcome], within: TimeSpan)
        /// The policy failed at run time (a fault); the task went on as if it did not apply.
        case failed(String)
    }

    /// What a contact policy counted for one task: the tasks already let through to `party`
    /// (an assignee or a subject, as `by` says) on `channel` in the last `per`.
    public struct ContactCount: Sendable, Hashable {
        public var by: TaskPolicy.ContactCap.Party
        public var party: String
        public var channel: String
        public var count: Int
        public var limit: Int
        public var per: TimeSpan

        public init(
            by: TaskPolicy.ContactCap.Party, party: String, channel: String, count: Int, limit: Int, per: TimeSpan
        ) {
            self.by = by
            self.party = party
            self.channel = channel
            self.count = count
            self.limit = limit
            self.per = per
        }
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

    /// Whether the policy changed, stopped or exempted the task (an exempt task passed a
    /// contact cap only because of its priority, so the exemption is the policy at work).
    public var acted: Bool {
        switch effect {
        case .deferred, .deferredPastExpiry, .suppressed, .limitReached, .deduplicated, .expires, .routed,
            .contactCapReached, .exempt, .coolingDown:
            true
        case .notApplicable, .notDeferred, .counted, .firstForKey, .keptExpiry, .failed, .contactCounted,
            .notCoolingDown:
            false
        }
    }

    /// Whether the policy stopped the task (it is not emitted).
    public var stopped: Bool { effect.stops }
}

extension PolicyStep.Effect {
    /// Whether this effect stops the task: it goes to no further policy and is not emitted.
    public var stops: Bool {
        switch self {
        case .suppressed, .limitReached, .deduplicated, .contactCapReached, .coolingDown, .deferredPastExpiry: true
        default: false
        }
    }
}
