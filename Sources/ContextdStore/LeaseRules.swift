import ContextdEngine
public import ContextdEvents

/// Who may ack, release or requeue a task, decided once for every backend: a backend reads the
/// task's row (locked, in the operation's transaction) and asks this, so that SQLite and
/// PostgreSQL refuse with the same ``LeaseRefusal`` in the same cases (the conformance suite's
/// `TaskQueueTests` check every one).
public enum LeaseRules {
    /// Whether the caller holds `state`'s lease now, and may ack or release it: the task is under
    /// `prefixes`, leased, its lease (`leaseID`, ending at `leaseUntil`) not run out at `now`, and
    /// `callerLeaseID`, when given, that lease.
    public static func holding(
        _ state: TaskState, leaseID: String?, leaseUntil: Timestamp?, callerLeaseID: String?, scope prefixes: [String],
        at now: Timestamp
    ) -> Result<TaskState, LeaseRefusal> {
        guard assignee(state.record.assignee, isUnder: prefixes) else {
            return .failure(.outOfScope(assignee: state.record.assignee))
        }
        switch state.delivery {
        case .acked:
            return .failure(.alreadyAcked(outcome: state.outcome ?? ""))
        case .leased:
            guard let leaseUntil, leaseUntil > now else { return .failure(.leaseExpired) }
            if let callerLeaseID, callerLeaseID != leaseID { return .failure(.leaseMismatch) }
            return .success(state)
        case .queued, .dead:
            // Its lease ended (ran out or was released); a lease id says which lease the caller had.
            return .failure(.leaseExpired)
        default:
            return .failure(.wrongState(state.delivery))
        }
    }

    /// Whether an operator under `prefixes` may put `state` back in the queue: only a dead task.
    public static func requeueing(_ state: TaskState, scope prefixes: [String]) -> Result<TaskState, LeaseRefusal> {
        guard assignee(state.record.assignee, isUnder: prefixes) else {
            return .failure(.outOfScope(assignee: state.record.assignee))
        }
        guard state.delivery == .dead else { return .failure(.wrongState(state.delivery)) }
        var requeued = state
        requeued.delivery = .queued
        requeued.attempts = 0
        return .success(requeued)
    }
}
