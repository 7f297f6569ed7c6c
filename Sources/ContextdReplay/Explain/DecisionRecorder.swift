public import ContextdEngine
public import ContextdEvents

/// Listens to an engine (``EngineObserver``) and keeps the decisions `replay --explain` prints:
/// a ``DecisionTrace`` per emitted task and, when asked for the funnel, per evaluation that
/// produced no task, plus the events that triggered no rule at all.
public final class DecisionRecorder: EngineObserver {
    /// What to keep.
    public enum Scope: Sendable {
        /// Only the traces of emitted tasks (`--explain`).
        case tasks
        /// The traces of emitted tasks and of candidates a policy stopped (the daemon keeps
        /// both, so `contextd explain` can say why a task never went out).
        case candidates
        /// Every evaluation, and the events that triggered none (`--funnel`).
        case everything
    }

    /// An event that led to no evaluation at all.
    public struct QuietEvent: Sendable {
        public enum Reason: String, Sendable {
            /// No rule's `on` names the event's type.
            case noRule = "no_rule"
            /// `(source, id)` was already applied; the event was skipped.
            case duplicate
        }

        public var event: Event
        public var reason: Reason
        /// Deferred tasks the event released early (it may release without triggering a rule).
        public var releases: [EarlyRelease]
        /// How many traces were kept before it, to print it in order among them.
        public var position: Int
    }

    public let scope: Scope
    /// Traces in the order the evaluations happened.
    public private(set) var traces: [DecisionTrace] = []
    public private(set) var quietEvents: [QuietEvent] = []
    /// Counted in full only under ``Scope/everything``: under the other scopes the engine
    /// does not report the evaluations that proposed nothing.
    public private(set) var funnel = DecisionFunnel()

    /// Whether the last trace is still receiving its candidate's policy steps.
    private var open = false
    private var emittedTraces: [String: Int] = [:]
    private var evaluationsBeforeEvent = 0
    private var evaluations = 0
    private var releasesDuringEvent: [EarlyRelease] = []

    public init(scope: Scope) {
        self.scope = scope
    }

    /// Only the whole funnel needs the evaluations that proposed nothing; a trace of one is
    /// dropped at once under the other scopes.
    public var observesEveryEvaluation: Bool { scope == .everything }

    public func didEvaluate(_ evaluation: RuleEvaluation) {
        close()
        evaluations += 1
        funnel.count(evaluation)
        traces.append(DecisionTrace(evaluation: evaluation))
        open = true
    }

    public func didApply(_ step: PolicyStep) {
        funnel.count(step)
        guard open, !traces.isEmpty else { return }
        traces[traces.count - 1].steps.append(step)
    }

    public func didEmit(_ task: TaskRecord) {
        funnel.countEmitted(rule: task.rule)
        guard open, !traces.isEmpty else { return }
        traces[traces.count - 1].emitted = task
        emittedTraces[task.id] = traces.count - 1
        open = false
    }

    public func didRelease(_ release: EarlyRelease) {
        close()
        releasesDuringEvent.append(release)
        if let position = emittedTraces[release.task.id] { traces[position].releases.append(release) }
    }

    /// Called by ``Replay`` before it applies an event.
    func willApply(_ event: Event) {
        close()
        evaluationsBeforeEvent = evaluations
        releasesDuringEvent = []
    }

    /// Called by ``Replay`` after it applied an event; notes an event that evaluated nothing.
    func didApply(_ event: Event, duplicate: Bool) {
        close()
        guard scope == .everything else { return }
        if duplicate {
            quietEvents.append(QuietEvent(event: event, reason: .duplicate, releases: [], position: traces.count))
        } else if !evaluated(since: event) {
            quietEvents.append(QuietEvent(event: event, reason: .noRule, releases: releasesDuringEvent,
                position: traces.count))
        }
    }

    /// Called by ``Replay`` once every event is applied.
    func finish() { close() }

    /// Whether the event itself (not only timers it made due) triggered an evaluation.
    private func evaluated(since event: Event) -> Bool {
        let count = evaluations - evaluationsBeforeEvent
        guard count > 0 else { return false }
        return traces.suffix(count).contains {
            $0.evaluation.trigger == .event(id: event.id, source: event.source, type: event.type, time: event.time)
        }
    }

    /// Ends the last trace: one that emitted nothing is dropped unless the whole funnel is kept.
    private func close() {
        guard open else { return }
        open = false
        guard let last = traces.last, last.emitted == nil else { return }
        switch scope {
        case .tasks: traces.removeLast()
        case .candidates: if last.stoppedBy == nil { traces.removeLast() }
        case .everything: break
        }
    }
}
