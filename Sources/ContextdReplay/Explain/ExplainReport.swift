public import ContextdEngine

/// What `contextd replay --explain` and `--funnel` print, from a ``DecisionRecorder``: as text
/// for people (``text``) or as JSON lines for tools (``jsonLines``).
///
/// Entries come in the order the decisions were made: each emitted task's trace (with
/// `--explain`), each evaluation that produced no task and each event that triggered no rule
/// (with `--funnel`), then, with `--funnel`, the per-rule funnel.
public struct ExplainReport {
    public let recorder: DecisionRecorder
    /// Traces of emitted tasks.
    public var includesTasks: Bool
    /// Evaluations without a task, quiet events and the per-rule funnel.
    public var includesFunnel: Bool
    /// The scorers of the rule set, to show each score's intercept or base next to its
    /// contributions; none shows contributions only.
    public var scorers: [String: Scorer]

    public init(
        recorder: DecisionRecorder, includesTasks: Bool, includesFunnel: Bool, scorers: [String: Scorer] = [:]
    ) {
        self.recorder = recorder
        self.includesTasks = includesTasks
        self.includesFunnel = includesFunnel
        self.scorers = scorers
    }

    enum Entry {
        case trace(DecisionTrace)
        case quiet(DecisionRecorder.QuietEvent)
    }

    /// The traces and quiet events to print, in decision order.
    var entries: [Entry] {
        var entries: [Entry] = []
        var quiet = includesFunnel ? recorder.quietEvents[...] : []
        for (position, trace) in recorder.traces.enumerated() {
            while let next = quiet.first, next.position <= position {
                entries.append(.quiet(next))
                quiet = quiet.dropFirst()
            }
            if trace.emitted != nil ? includesTasks : includesFunnel { entries.append(.trace(trace)) }
        }
        entries += quiet.map(Entry.quiet)
        return entries
    }
}
