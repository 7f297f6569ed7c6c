public import ContextdEvents

/// One evaluation of a rule, as the engine decided it (see ``EngineObserver``): what triggered
/// it, each part of its `when` with its value, the `let` and `context` values the evaluation
/// actually read, the scores it computed, and the candidate task it proposed before the
/// policies saw it.
public struct RuleEvaluation: Sendable, Hashable {
    /// What made the rule run.
    public enum Trigger: Sendable, Hashable {
        /// An event of a type the rule's `on` names.
        case event(id: String, source: String, type: String, time: Timestamp)
        /// The rule's `timer`, due at this instant.
        case timer(at: Timestamp)
    }

    /// One part of the rule's `when`.
    public struct Condition: Sendable, Hashable {
        public enum Outcome: Sendable, Hashable {
            /// The part's value: `true` holds; anything else (`false`, `null`) holds the rule back.
            case value(Value)
            /// The part failed to evaluate (a run-time fault); the rule counts as not matching.
            case failed(String)
            /// An earlier part did not hold, so this one was not evaluated.
            case notEvaluated
        }

        /// The part's source text, as written in the rule file.
        public var source: String
        public var outcome: Outcome

        public init(source: String, outcome: Outcome) {
            self.source = source
            self.outcome = outcome
        }

        /// Whether the part evaluated to `true`.
        public var held: Bool { outcome == .value(.bool(true)) }
    }

    /// A named value the evaluation read: a `let` binding (with its error, if it failed) or a
    /// `context` field.
    public struct Reading: Sendable, Hashable {
        public var name: String
        public var value: Value?
        public var error: String?

        public init(name: String, value: Value?, error: String? = nil) {
            self.name = name
            self.value = value
            self.error = error
        }
    }

    public var rule: String
    public var subject: String
    public var trigger: Trigger
    /// The instant of the evaluation (the event's time, or the timer's).
    public var now: Timestamp
    /// The key of the `for_each` item evaluated; nil for a rule without `for_each`.
    public var item: String?
    /// Every part of `when`, in order; empty when the rule has no `when`.
    public var conditions: [Condition] = []
    /// Whether every part of `when` held.
    public var matched = false
    /// The `let` bindings the evaluation read, in declaration order.
    public var lets: [Reading] = []
    /// The `context` fields the evaluation read, in the order first read.
    public var context: [Reading] = []
    /// The scores the evaluation computed, with their contributions.
    public var scores: [String: Score] = [:]
    /// The task the rule proposed, before the policies; nil when it did not match or failed.
    public var candidate: TaskRecord?
    /// The run-time fault that ended the evaluation (a `when` part, the task, or `for_each`).
    public var error: String?

    public init(rule: String, subject: String, trigger: Trigger, now: Timestamp, item: String?) {
        self.rule = rule
        self.subject = subject
        self.trigger = trigger
        self.now = now
        self.item = item
    }

    /// The first part of `when` that did not hold (false, null or failed), if any.
    public var stoppedAt: Int? { conditions.firstIndex { !$0.held } }
}
