/// Every role the daemon uses, held as one store: what opening a backend gives the daemon
/// (docs/decisions/0016-store-by-role.md). Each part of the daemon is typed against the
/// roles it needs, not against this.
public typealias DaemonStore = StateStore & TaskQueue & TaskBrowser & StoreHealthProbe
