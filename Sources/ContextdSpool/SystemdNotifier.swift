public import Foundation
import Glibc

/// Talks to systemd over `$NOTIFY_SOCKET` (the `sd_notify` protocol, written out here rather
/// than linking libsystemd): readiness, reloads, stopping, watchdog pings and a status line, as
/// `Type=notify-reload` with `WatchdogSec=` expects (SPEC §5).
///
/// Every message is one datagram on a fresh `AF_UNIX` socket. Failures are reported as `false`
/// and otherwise ignored: systemd being absent, restarted or slow must never stop the daemon.
/// Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing and returns `false`.
public struct SystemdNotifier: Sendable {
    /// `$NOTIFY_SOCKET`: a file system path, or an abstract socket name written with a leading `@`.
    public let notifySocket: String?
    /// How often systemd wants a ``watchdog()`` ping at the latest, when the unit has
    /// `WatchdogSec=` and the watchdog is meant for this process (`$WATCHDOG_PID`, when set,
    /// is our pid). Ping at half this interval, as sd_watchdog_enabled(3) advises.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let socket = environment["NOTIFY_SOCKET"] ?? ""
        notifySocket = socket.isEmpty ? nil : socket
        watchdogInterval = Self.watchdogInterval(environment, pid: getpid())
    }

    /// Whether systemd is listening (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { notifySocket != nil }

    /// Sends `state` (newline-separated `KEY=value` assignments) as one datagram; true when it
    /// was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let notifySocket, let address = UnixSocketAddress(notifySocket) else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(state.utf8)
        let sent = address.withSockaddr { pointer, length in
            bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), pointer, length) }
        }
        return sent == bytes.count
    }

    /// `READY=1`: startup is finished and the daemon is serving. Also ends a reload.
    @discardableResult
    public func ready() -> Bool { notify("READY=1") }

    /// `RELOADING=1` with the current `CLOCK_MONOTONIC` time in microseconds, which systemd 253
    /// and later require for `Type=notify-reload`. Send ``ready()`` when the reload is done.
    @discardableResult
    public func reloading() -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        return notify("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> Bool { notify("STOPPING=1") }

    /// `WATCHDOG=1`: still alive.
    @discardableResult
    public func watchdog() -> Bool { notify("WATCHDOG=1") }

    /// `STATUS=…`: one line `systemctl status` shows. Newlines become spaces, so the text cannot
    /// smuggle in other assignments.
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify("STATUS=" + text.map { $0.isNewline ? " " : String($0) }.joined())
    }

    /// `$WATCHDOG_USEC` as a duration, when positive and `$WATCHDOG_PID` is unset or `pid`.
    static func watchdogInterval(_ environment: [String: String], pid: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let ownerPid = pid_t(owner), ownerPid == pid else { return nil }
        }
        return .microseconds(microseconds)
    }
}
