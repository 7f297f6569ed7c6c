import Glibc
import Synchronization

/// The write end of ``DirectoryWatcher``'s self-pipe: one byte written wakes the watch thread
/// out of `poll` so it ends.
///
/// The descriptor sits behind a mutex so that `stop()` from any thread can never write to it
/// after the watch thread closed it (by then the number may belong to another file).
final class WakeSignal: Sendable {
    private let writeEnd: Mutex<Int32?>

    init(writeEnd: Int32) {
        self.writeEnd = Mutex(writeEnd)
    }

    /// Wakes the watch thread; does nothing once it has ended. Never blocks: the pipe is
    /// non-blocking, and one byte waiting is as good as many.
    func signal() {
        writeEnd.withLock { descriptor in
            guard let descriptor else { return }
            var byte: UInt8 = 1
            _ = write(descriptor, &byte, 1)
        }
    }

    /// Closes the write end; called once, by the watch thread as it ends.
    func close() {
        writeEnd.withLock { descriptor in
            if let open = descriptor { Glibc.close(open) }
            descriptor = nil
        }
    }
}
