import ContextdEvents
import Testing

/// Damaged inputs, made deterministically: whatever the damage, decoding must not crash and must
/// not depend on where the chunks are cut.
@Suite("Chunking does not change the result")
struct ChunkingPropertyTests {
    /// A small linear congruential generator, so that every run sees the same inputs.
    struct Generator {
        var state: UInt64
        mutating func next(below bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let interestingBytes: [UInt8] = Array("{}[]\"\\,:\n\r 0a-e.".utf8) + [0x00, 0xFF, 0xC3, 0xA9, 0x80]

    static func damaged(_ bytes: [UInt8], seed: UInt64) -> [UInt8] {
        var generator = Generator(state: seed)
        var result = bytes
        for _ in 0..<(1 + generator.next(below: 4)) {
            let position = generator.next(below: result.count)
            switch generator.next(below: 3) {
            case 0: result.remove(at: position)
            case 1: result.insert(interestingBytes[generator.next(below: interestingBytes.count)], at: position)
            default: result[position] = interestingBytes[generator.next(below: interestingBytes.count)]
            }
        }
        return result
    }

    static func outcome(
        _ bytes: [UInt8],
        format: EventStreamDecoder.Format,
        chunkSize: Int
    ) -> Result<[DecodedItem], FileRejection> {
        do throws(FileRejection) {
            return .success(try Samples.decode(bytes, format: format, chunkSize: chunkSize, maxLineBytes: 300))
        } catch {
            return .failure(error)
        }
    }

    static let jsonLines = Array(
        (1...4).map { Samples.line(id: "e\($0)") }.joined(separator: "\r\n").utf8
    )
    static let batch = Array(
        ("[\n" + (1...4).map { "  " + Samples.line(id: "e\($0)") }.joined(separator: ",\n") + "\n]").utf8
    )

    @Test(arguments: 0..<60)
    func jsonLinesSurviveDamage(seed: Int) {
        let bytes = Self.damaged(Self.jsonLines, seed: UInt64(seed))
        let whole = Self.outcome(bytes, format: .jsonLines, chunkSize: 1 << 20)
        #expect(Self.outcome(bytes, format: .jsonLines, chunkSize: 1) == whole)
        #expect(Self.outcome(bytes, format: .jsonLines, chunkSize: 7) == whole)
        _ = try? JSON.parse(bytes)
    }

    @Test(arguments: 0..<60)
    func batchesSurviveDamage(seed: Int) {
        let bytes = Self.damaged(Self.batch, seed: UInt64(seed))
        let whole = Self.outcome(bytes, format: .json, chunkSize: 1 << 20)
        #expect(Self.outcome(bytes, format: .json, chunkSize: 1) == whole)
        #expect(Self.outcome(bytes, format: .json, chunkSize: 7) == whole)
        _ = try? JSON.parse(bytes)
    }

    @Test func undamagedInputsDecodeFully() {
        let lines = Self.outcome(Self.jsonLines, format: .jsonLines, chunkSize: 5)
        let batch = Self.outcome(Self.batch, format: .json, chunkSize: 5)
        #expect(lines == .success((1...4).map { .event(Samples.event(id: "e\($0)"), line: $0) }))
        #expect(batch == .success((1...4).map { .event(Samples.event(id: "e\($0)"), line: $0 + 1) }))
    }

    /// The damage above really breaks things, or the tests above would prove little.
    @Test func damageIsNoticed() {
        var rejectedLines = 0
        var rejectedFiles = 0
        for seed in 0..<60 {
            for (input, format) in [(Self.jsonLines, EventStreamDecoder.Format.jsonLines), (Self.batch, .json)] {
                switch Self.outcome(Self.damaged(input, seed: UInt64(seed)), format: format, chunkSize: 1 << 20) {
                case .success(let items):
                    rejectedLines += items.filter { if case .rejected = $0 { true } else { false } }.count
                case .failure:
                    rejectedFiles += 1
                }
            }
        }
        #expect(rejectedLines > 20)
        #expect(rejectedFiles > 0)
    }
}
