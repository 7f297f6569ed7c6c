import Foundation
import Glibc

/// Says when something changed in a set of directories, so the daemon rescans them promptly
/// instead of polling (SPEC §1, step 5): the spools' `new/` folders, and the rules directory for
/// a reload (§5).
///
/// It reports *where*, not *what*: ``changes`` yields the path of a directory in which an entry
/// was created, renamed in or out, written, touched or deleted, and the daemon lists that
/// directory itself. That is all a rescan needs, and it keeps working when the kernel drops
/// events (`IN_Q_OVERFLOW`: every watched directory is yielded). A periodic rescan remains the
/// backstop for anything inotify cannot see (network file systems).
///
/// inotify is read by a dedicated thread blocked in `poll(2)` on the inotify descriptor and a
/// self-pipe; ``stop()`` writes to the pipe, the thread closes the descriptors and the stream
/// ends. Stopping is also what happens when the watcher is released or the task iterating
/// ``changes`` is cancelled.
public final class DirectoryWatcher: Sendable {
    /// The directories in which something changed, one element per directory per batch of
    /// kernel events, in the order noticed. Ends after ``stop()``. Meant for one consumer.
    public let changes: AsyncStream<String>
    private let wake: WakeSignal

    /// Starts watching `directories`, which must exist; with `recursive`, every directory below
    /// them too, including ones created later (symlinks below them are not followed).
    public init(directories: [String], recursive: Bool) throws(SpoolError) {
        let inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else { throw .system("inotify_init1", path: directories.joined(separator: ", ")) }
        var watches = WatchTable(inotify: inotify, recursive: recursive)
        var pipeEnds: [Int32] = [-1, -1]
        do throws(SpoolError) {
            for directory in directories { try watches.addRoot(directory) }
            try makeSelfPipe(&pipeEnds)
        } catch {
            close(inotify)
            throw error
        }
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let wake = WakeSignal(writeEnd: pipeEnds[1])
        continuation.onTermination = { _ in wake.signal() }
        changes = stream
        self.wake = wake
        let loop = WatchLoop(
            inotify: inotify, wakeReadEnd: pipeEnds[0], watches: watches, continuation: continuation, wake: wake
        )
        let thread = Thread {
            var running = loop
            running.run()
        }
        thread.name = "contextd-watch"
        thread.start()
    }

    /// Ends the watch: the thread wakes, closes its descriptors and finishes ``changes``.
    /// Safe to call from anywhere, any number of times.
    public func stop() {
        wake.signal()
    }

    deinit {
        wake.signal()
    }
}

/// A pipe with both ends close-on-exec and non-blocking. `pipe2` would set both at once, but the
/// Glibc module does not export it (it needs `_GNU_SOURCE`); contextd starts no child processes,
/// so the instant between `pipe` and `fcntl` leaks nothing.
private func makeSelfPipe(_ ends: inout [Int32]) throws(SpoolError) {
    guard pipe(&ends) == 0 else { throw .system("pipe", path: "self-pipe") }
    for end in ends {
        _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
    }
}
