import Glibc

/// One record from an inotify descriptor: `struct inotify_event` followed by its name.
struct InotifyEvent: Sendable, Equatable {
    /// The watch it belongs to (`-1` for `IN_Q_OVERFLOW`).
    var watch: Int32
    var mask: UInt32
    /// The entry's name within the watched directory; empty for events on the directory itself.
    var name: String

    /// The size of the fixed part of `struct inotify_event` (wd, mask, cookie, len).
    static let headerSize = 16

    /// Splits what one `read` returned into events. The kernel only ever returns whole records;
    /// a truncated tail is ignored rather than trusted.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = 0
        while offset + headerSize <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            guard nameStart + length <= bytes.count else { break }
            // The name is NUL-padded to an alignment boundary.
            let name = String(decoding: bytes[nameStart..<nameStart + length].prefix { $0 != 0 }, as: UTF8.self)
            events.append(InotifyEvent(watch: watch, mask: mask, name: name))
            offset = nameStart + length
        }
        return events
    }

    func has(_ flag: some BinaryInteger) -> Bool { mask & UInt32(truncatingIfNeeded: flag) != 0 }
}
