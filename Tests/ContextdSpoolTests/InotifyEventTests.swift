@testable import ContextdSpool
import Glibc
import Testing

@Suite("inotify records")
struct InotifyEventTests {
    /// `struct inotify_event` as the kernel lays it out: wd, mask, cookie, len, then the name
    /// padded with NULs to `len`.
    static func record(watch: Int32, mask: Int32, name: String, padTo length: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: watch) { bytes += $0 }
        withUnsafeBytes(of: UInt32(mask)) { bytes += $0 }
        withUnsafeBytes(of: UInt32(0)) { bytes += $0 }
        withUnsafeBytes(of: UInt32(length)) { bytes += $0 }
        return bytes + Array(name.utf8) + Array(repeating: 0, count: length - name.utf8.count)
    }

    @Test func splitsABatchIntoEvents() {
        let batch =
            Self.record(watch: 1, mask: IN_MOVED_TO, name: "a.jsonl", padTo: 16)
            + Self.record(watch: 2, mask: IN_CREATE | IN_ISDIR, name: "sub", padTo: 16)
            + Self.record(watch: -1, mask: IN_Q_OVERFLOW, name: "", padTo: 0)
            + Self.record(watch: 3, mask: IN_DELETE, name: "cut off", padTo: 16).prefix(20)
        let events = batch.withUnsafeBytes { InotifyEvent.parse($0) }
        #expect(
            events == [
                InotifyEvent(watch: 1, mask: UInt32(IN_MOVED_TO), name: "a.jsonl"),
                InotifyEvent(watch: 2, mask: UInt32(IN_CREATE | IN_ISDIR), name: "sub"),
                InotifyEvent(watch: -1, mask: UInt32(IN_Q_OVERFLOW), name: ""),
            ]
        )
        #expect(events[1].has(IN_ISDIR))
        #expect(!events[0].has(IN_ISDIR))
    }
}
