import ContextdEvents
import Foundation

/// Decoded events handed from the thread that reads and decodes a file to the thread that
/// applies them, at most `capacity` batches ahead.
///
/// Reading and decoding were a sixth of `replay`'s instructions (callgrind); on a second core
/// they leave the engine's path (docs/performance.md). The order of the items is the file's, and a
/// file that turns out unreadable stops where it did before: after the last batch decoded whole.
final class DecodedBatchQueue: @unchecked Sendable {  // every property is guarded by `condition`
    enum Batch: Sendable {
        case items([DecodedItem])
        case rejected(FileRejection)
        case end
    }

    private let condition = NSCondition()
    private let capacity: Int
    private var waiting: [Batch] = []
    /// Batches the consumer is done with, freed by the producer: freeing a batch's events and
    /// their values was 4 % of the applying thread's instructions.
    private var spent: [[DecodedItem]] = []
    private var cancelled = false
    private var producing = true

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while the queue is full; false when the consumer has gone (stop producing).
    func put(_ batch: Batch) -> Bool {
        var freed: [[DecodedItem]] = []
        defer { freed.removeAll() }  // here, after the lock is released
        condition.lock()
        defer { condition.unlock() }
        while waiting.count >= capacity && !cancelled { condition.wait() }
        swap(&freed, &spent)
        if cancelled { return false }
        waiting.append(batch)
        condition.broadcast()
        return true
    }

    /// Hands a batch the consumer has applied to the producer, which frees it.
    func retire(_ items: consuming [DecodedItem]) {
        condition.lock()
        spent.append(items)
        condition.unlock()
    }

    /// Blocks until a batch is there.
    func take() -> Batch {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty { condition.wait() }
        let batch = waiting.removeFirst()
        condition.broadcast()
        return batch
    }

    /// The producer's last act, whatever made it stop.
    func producerFinished() {
        condition.lock()
        producing = false
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer's last act: unblocks the producer and waits until it has stopped, so that
    /// nothing reads the file after the consumer returns.
    func cancelAndWait() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while producing { condition.wait() }
    }
}
