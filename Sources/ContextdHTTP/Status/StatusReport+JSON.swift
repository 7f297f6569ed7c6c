import Foundation

extension StatusReport {
    /// The report as `/v1/status` sends it: keys sorted (so two reports compare as text and a
    /// diff of two reads shows what moved), a field without a value `null` (StatusReport+Nulls).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field encodes (strings, numbers, dictionaries of numbers): this cannot throw.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads what `/v1/status` sent (`contextd status`, tests).
    public init(json: some Sequence<UInt8>) throws {
        self = try JSONDecoder().decode(StatusReport.self, from: Data(json))
    }
}
