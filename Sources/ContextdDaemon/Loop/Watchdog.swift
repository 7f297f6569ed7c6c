import ContextdEvents
import ContextdSpool
import Glibc
import Synchronization

/// Pings the systemd watchdog at half its interval, from the processing loop itself: if the
/// loop hangs, the pings stop and systemd restarts the daemon.
final class Watchdog: Sendable {
    let notifier: SystemdNotifier
    let interval: TimeSpan?
    private let last = Mutex<Timestamp?>(nil)

    init(notifier: SystemdNotifier) {
        self.notifier = notifier
        interval = notifier.watchdogInterval.map { duration in
            let (seconds, attoseconds) = duration.components
            return TimeSpan(milliseconds: (seconds * 1000 + attoseconds / 1_000_000_000_000_000) / 2)
        }
    }

    func beat() {
        guard let interval else { return }
        let now = WallClock.now()
        let due = last.withLock { last -> Bool in
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
        if due { notifier.watchdog() }
    }
}
