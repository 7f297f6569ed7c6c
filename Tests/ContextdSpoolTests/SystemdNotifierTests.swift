import ContextdSpool
import Foundation
import Glibc
import Testing

/// A datagram socket bound where systemd's would be, to see exactly what the notifier sends.
/// Built here independently of the notifier's own address code, so a mistake there shows.
final class NotificationListener {
    let descriptor: Int32
    /// The value for `NOTIFY_SOCKET`.
    let socketName: String

    /// Binds at `path`, or, when `path` starts with `@`, in the abstract namespace.
    init(_ name: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        socketName = name
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        // sun_path starts after the 2-byte family; an abstract name counts exactly its bytes.
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard descriptor >= 0, bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(descriptor)
        if !socketName.hasPrefix("@") { unlink(socketName) }
    }

    /// The datagram waiting, if any (unix datagrams are queued by the time `sendto` returns).
    func received() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite("systemd notification")
struct SystemdNotifierTests {
    @Test func sendsReadyToAPathSocket() throws {
        let directory = try TemporaryDirectory()
        let listener = try NotificationListener(directory.child("notify"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.socketName])
        #expect(notifier.isEnabled)
        #expect(notifier.ready())
        #expect(listener.received() == "READY=1")
        #expect(notifier.status("serving\n3 spools"))
        #expect(listener.received() == "STATUS=serving 3 spools")
        #expect(notifier.stopping())
        #expect(listener.received() == "STOPPING=1")
        #expect(listener.received() == nil)
    }

    @Test func sendsToAnAbstractSocket() throws {
        let name = "@contextd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try NotificationListener(name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": name])
        #expect(notifier.watchdog())
        #expect(listener.received() == "WATCHDOG=1")
    }

    @Test func reloadingCarriesTheMonotonicClock() throws {
        let directory = try TemporaryDirectory()
        let listener = try NotificationListener(directory.child("notify"))
        var before = timespec()
        clock_gettime(CLOCK_MONOTONIC, &before)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.socketName]).reloading())
        let lines = try #require(listener.received()).split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let microseconds = try #require(lines.last.flatMap { Int64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(microseconds >= Int64(before.tv_sec) * 1_000_000 + Int64(before.tv_nsec) / 1000)
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
        #expect(notifier.watchdogInterval == nil)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isEnabled)
    }

    @Test func aSocketNobodyListensOnFailsQuietly() throws {
        let directory = try TemporaryDirectory()
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": directory.child("absent")]).ready())
        let tooLong = "/" + String(repeating: "x", count: 200)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": tooLong]).ready())
    }

    @Test(
        arguments: [
            (["WATCHDOG_USEC": "30000000"], Duration.seconds(30)),
            (["WATCHDOG_USEC": "500000", "WATCHDOG_PID": "\(getpid())"], .milliseconds(500)),
            (["WATCHDOG_USEC": "500000", "WATCHDOG_PID": "\(getpid() + 1)"], nil),
            (["WATCHDOG_USEC": "500000", "WATCHDOG_PID": "not a pid"], nil),
            (["WATCHDOG_USEC": "0"], nil),
            (["WATCHDOG_USEC": "soon"], nil),
            (["WATCHDOG_PID": "\(getpid())"], nil),
        ] as [([String: String], Duration?)]
    )
    func watchdogIntervalFromTheEnvironment(environment: [String: String], interval: Duration?) {
        #expect(SystemdNotifier(environment: environment).watchdogInterval == interval)
    }
}
