/// One line or batch element being assembled from the chunks it straddles, with a ceiling on
/// memory: once it is longer than its limit, only its start is kept (for the rejection's `raw`)
/// and the rest is counted but dropped.
struct RecordBuffer: Sendable {
    /// The bytes kept: all of them while within the limit, the first few KiB after.
    private(set) var bytes: [UInt8] = []
    /// How many bytes the record really has so far, kept or not.
    private(set) var length = 0
    /// The last byte appended, kept or not.
    private(set) var lastByte: UInt8?
    let limit: Int

    /// Enough for a rejection's `raw` and the character that straddles its cut.
    static let keptWhenOverLimit = EventRejection.maximumRawBytes + 4

    init(limit: Int) {
        self.limit = limit
    }

    var isEmpty: Bool { length == 0 }
    var isOverLimit: Bool { length > limit }

    mutating func append(_ piece: UnsafeBufferPointer<UInt8>) {
        guard !piece.isEmpty else { return }
        length += piece.count
        lastByte = piece[piece.count - 1]
        if length <= limit {
            bytes.append(contentsOf: piece)
            return
        }
        let room = RecordBuffer.keptWhenOverLimit - bytes.count
        if room > 0 {
            bytes.append(contentsOf: piece.prefix(room))
        } else if room < 0 {
            bytes.removeSubrange(RecordBuffer.keptWhenOverLimit...)
        }
    }

    mutating func reset() {
        length = 0
        lastByte = nil
        if bytes.capacity > 1 << 16 {
            bytes = []  // do not hold on to a megabyte because of one long line
        } else {
            bytes.removeAll(keepingCapacity: true)
        }
    }
}
