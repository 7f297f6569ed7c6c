/// Whether an event states a fact or records a step in a workflow.
///
/// Rules treat the two differently: a `data` event updates what is known about an entity (its
/// balance, its location), a `process` event moves a workflow along (a payment scheduled, a page
/// visited). Producers say which with the `kind` extension attribute; an input's configuration
/// gives the default for events that do not.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case data
    case process
}
