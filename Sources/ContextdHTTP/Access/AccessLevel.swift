/// What a token may do, from `http.tokens[].access`. The levels are cumulative (decision
/// record 0015): each allows everything the one below it does.
///
/// - `read`: the console and the operations endpoints (`/v1/status`, `/healthz`, `/readyz`,
///   `/metrics`, `/v1/openapi.json`);
/// - `lease`: also the task API (lease, ack, release, show, dead letters, suppressed) — what a
///   CRM does, and the default of a token without `access:`;
/// - `admin`: also requeue and the raw lines of rejected input (which may hold card data).
public enum AccessLevel: String, Sendable, Comparable, CaseIterable {
    case read
    case lease
    case admin

    private var rank: Int {
        switch self {
        case .read: 0
        case .lease: 1
        case .admin: 2
        }
    }

    public static func < (lhs: AccessLevel, rhs: AccessLevel) -> Bool { lhs.rank < rhs.rank }
}
