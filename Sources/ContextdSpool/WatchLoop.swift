import Glibc

/// The body of ``DirectoryWatcher``'s thread: waits on the inotify descriptor and the wake pipe,
/// and turns each batch of events into the directories to rescan.
struct WatchLoop: Sendable {
    let inotify: Int32
    let wakeReadEnd: Int32
    var watches: WatchTable
    let continuation: AsyncStream<String>.Continuation
    let wake: WakeSignal

    /// Runs until ``WakeSignal/signal()`` (or a descriptor error), then releases every descriptor
    /// and ends the stream.
    mutating func run() {
        defer {
            // The write end first: a `signal()` after the read end closed would raise SIGPIPE.
            wake.close()
            close(wakeReadEnd)
            close(inotify)
            continuation.finish()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var descriptors = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeReadEnd, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&descriptors, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents & Int16(POLLIN) != 0 {
                guard drain(into: &buffer) else { return }
            } else if descriptors[0].revents != 0 {
                return  // POLLERR, POLLHUP or POLLNVAL: nothing more will come
            }
        }
    }

    /// Reads everything queued and yields each changed directory once; false when the
    /// descriptor failed.
    private mutating func drain(into buffer: inout [UInt8]) -> Bool {
        var changed: [String] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                return false
            }
            if count == 0 { break }
            let events = buffer.withUnsafeBytes { InotifyEvent.parse(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            for event in events { record(event, in: &changed) }
        }
        var seen: Set<String> = []
        for directory in changed where seen.insert(directory).inserted { continuation.yield(directory) }
        return true
    }

    private mutating func record(_ event: InotifyEvent, in changed: inout [String]) {
        if event.has(IN_Q_OVERFLOW) {
            // Events were lost: every directory may have changed.
            changed.append(contentsOf: watches.directories.values.sorted())
            return
        }
        guard let directory = watches.directories[event.watch] else { return }
        changed.append(directory)
        if event.has(IN_IGNORED) {
            watches.forget(event.watch)
            return
        }
        guard watches.recursive, event.has(IN_ISDIR), !event.name.isEmpty else { return }
        let child = directory + "/" + event.name
        if event.has(IN_MOVED_FROM) || event.has(IN_DELETE) { watches.removeTree(child) }
        if event.has(IN_CREATE) || event.has(IN_MOVED_TO) { changed.append(contentsOf: watches.addTree(child)) }
    }
}
