import Synchronization

/// Whether the HTTP listener came up, for the loop that waits for it before it says READY=1.
///
/// The listener runs as a task beside the loop, so a bind that failed (a port in use) only
/// cancelled its siblings: the loop went on without HTTP and the error showed when the daemon
/// was signalled. The listener reports its failure here instead, and the loop stops the start
/// with it at once (and later, should the listener ever end on an error while the loop runs).
final class ListenerState: Sendable {
    private let failure = Mutex<ListenerFailure?>(nil)
    private let doorbell = Doorbell()

    func listening() { doorbell.ring() }

    func failed(_ error: any Error, address: String) {
        failure.withLock { $0 = ListenerFailure(address: address, cause: "\(error)") }
        doorbell.ring()
    }

    /// Throws the listener's failure, if it had one.
    func check() throws {
        if let failure = failure.withLock({ $0 }) { throw failure }
    }

    /// Waits until the listener accepts connections or failed (then throws), at most `timeout`.
    /// A ring before the wait is remembered, so a failure already reported returns at once.
    func wait(timeout: Duration) async throws {
        await doorbell.wait(timeout: timeout)
        try check()
    }
}

/// The HTTP listener could not start (or stopped on an error): the daemon stops with this.
struct ListenerFailure: Error, CustomStringConvertible {
    var address: String
    var cause: String

    var description: String {
        "the HTTP API cannot listen on \(address) (http.listen): \(cause); if another process (another "
            + "contextd?) holds the port, stop it or set http.listen to a free port"
    }
}
