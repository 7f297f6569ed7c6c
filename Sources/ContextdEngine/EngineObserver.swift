/// Watches the engine decide: every rule evaluation, every policy step on a candidate task,
/// every early release and every emitted task, each handed over as a value.
///
/// It exists so that the question operators ask of a rule engine, "why did this task appear
/// (or not)?", is answered by the engine's own decisions rather than by a second
/// implementation that could drift from it: `contextd replay --explain` and its decision
/// funnel, per-rule coverage in `contextd test`, and any future explain of the daemon all read
/// this one stream. The engine stays pure: an observer receives values and must not call back
/// into the engine while being called.
///
/// Observation costs nothing when off: ``Engine/observer`` is nil by default, and then the
/// engine builds none of these values (one nil check per evaluation or policy step).
///
/// Calls arrive in the order the decisions are made. A rule's evaluation comes first; when it
/// proposed a candidate task, the candidate's policy steps follow (the policies in declared
/// order, then the rule's own `dedup`), then ``didEmit(_:)`` unless a step stopped it — all
/// before the next evaluation. Early releases come when the releasing event is applied, before
/// the rules that event triggers.
public protocol EngineObserver: AnyObject {
    /// Whether the observer wants the evaluations that propose no task: a part of `when` not
    /// true, or a failure before the task was made. An observer that only explains tasks
    /// answers no, and the engine then records an evaluation only once its conditions hold:
    /// most evaluations propose nothing, and the daemon recorded each of them only to drop
    /// it. Defaults to true.
    var observesEveryEvaluation: Bool { get }
    /// A rule was evaluated for one subject (and one `for_each` item).
    func didEvaluate(_ evaluation: RuleEvaluation)
    /// A policy (or the rule's own `dedup`) looked at a candidate task.
    func didApply(_ step: PolicyStep)
    /// A deferred task was released early by an event about its assignee.
    func didRelease(_ release: EarlyRelease)
    /// A task passed every policy and left the engine, in the form it was emitted.
    func didEmit(_ task: TaskRecord)
}

extension EngineObserver {
    public var observesEveryEvaluation: Bool { true }
    public func didEvaluate(_ evaluation: RuleEvaluation) {}
    public func didApply(_ step: PolicyStep) {}
    public func didRelease(_ release: EarlyRelease) {}
    public func didEmit(_ task: TaskRecord) {}
}
