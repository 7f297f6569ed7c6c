/// Sizes written as plain byte counts or with a unit: `1048576`, `1MiB`, `64 KiB`, `2MB`.
///
/// KiB, MiB and GiB are powers of 1024; KB, MB and GB are powers of 1000, as the SI and IEC
/// define them — so `1MB` is 1,000,000 bytes, slightly less than `1MiB`. Units are matched
/// without regard to case.
enum ByteSize {
    static let units: [(name: String, bytes: Int)] = [
        ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
    ]

    /// The number of bytes `text` stands for (a whole number, possibly zero or negative: the
    /// caller checks the range it needs).
    static func parse(_ text: String) -> Result<Int, ValueProblem> {
        let trimmed = text.trimmingSpaces
        let numberEnd = trimmed.firstIndex { !($0.isASCIIDigit || $0 == "." || $0 == "_" || $0 == "-" || $0 == "+") }
            ?? trimmed.endIndex
        let numberText = trimmed[..<numberEnd].filter { $0 != "_" }
        let unitText = String(trimmed[numberEnd...].trimmingSpaces)
        guard !numberText.isEmpty, let number = Double(numberText), number.isFinite else {
            return .failure(ValueProblem("expected a size such as 1048576, 512KiB or 1MiB, got '\(text)'"))
        }
        var multiplier = 1
        if !unitText.isEmpty {
            guard let unit = units.first(where: { $0.name.lowercased() == unitText.lowercased() }) else {
                let names = units.map(\.name).joined(separator: ", ")
                return .failure(ValueProblem("unknown size unit '\(unitText)' (expected one of: \(names))"))
            }
            multiplier = unit.bytes
        }
        let bytes = (number * Double(multiplier)).rounded()
        guard bytes.magnitude < Double(Int.max) else {
            return .failure(ValueProblem("the size '\(text)' is too large"))
        }
        guard bytes == number * Double(multiplier) else {
            return .failure(ValueProblem("the size '\(text)' is not a whole number of bytes"))
        }
        return .success(Int(bytes))
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: SubSequence {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? endIndex
        return start < end ? self[start..<end] : self[endIndex..<endIndex]
    }
}
