import Dispatch

extension Array {
    /// `transform` of every element, on as many threads as there are cores, in the order of
    /// the elements. For independent pieces of one rule load (files to parse, shards of rules
    /// to compile); `transform` must not touch state another element's call touches.
    func concurrentMap<T>(_ transform: (Element) -> T) -> [T] {
        guard count > 1 else { return map(transform) }
        return withoutActuallyEscaping(transform) { transform in
            let work = ConcurrentWork(elements: self, transform: transform)
            DispatchQueue.concurrentPerform(iterations: count) { work.run($0) }
            return work.slots.map { $0! }
        }
    }
}

/// What `concurrentMap` shares with its threads: each iteration reads its element and writes
/// its own slot, and the slots are read only after `concurrentPerform` returned (it waits for
/// every iteration), so nothing is written by one thread while another reads it.
private final class ConcurrentWork<Element, T>: @unchecked Sendable {
    let elements: [Element]
    let transform: (Element) -> T
    let slots: UnsafeMutableBufferPointer<T?>

    init(elements: [Element], transform: @escaping (Element) -> T) {
        self.elements = elements
        self.transform = transform
        slots = .allocate(capacity: elements.count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func run(_ index: Int) { slots[index] = transform(elements[index]) }
}
