import ContextdEvents
import Glibc
import Synchronization

/// What a store notes of its own work for ``StoreHealth``: the wall-clock time of its last
/// commit and the last error it threw. Written once per commit (not per row), read on request.
final class StoreActivity: Sendable {
    private struct Record {
        var lastCommit: Timestamp?
        var lastError: String?
    }

    private let record = Mutex(Record())

    func committed() {
        let now = Self.wallClock()
        record.withLock { $0.lastCommit = now }
    }

    func failed(_ error: any Error) {
        record.withLock { $0.lastError = "\(error)" }
    }

    var lastCommit: Timestamp? { record.withLock { $0.lastCommit } }
    var lastError: String? { record.withLock { $0.lastError } }

    /// Runs `body`, noting what it throws.
    func noting<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            failed(error)
            throw error
        }
    }

    /// Runs `body`, an asynchronous read, noting what it throws.
    func noting<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            failed(error)
            throw error
        }
    }

    private static func wallClock() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
