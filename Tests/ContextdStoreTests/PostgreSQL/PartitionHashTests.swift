import ContextdEngine
import ContextdEvents
import ContextdStore
import Testing

/// The partition hash and the per-declaration context text the PostgreSQL store keeps: both
/// must never change, since rows written by one version are read by the next.
@Suite struct PartitionHashTests {
    @Test func thePartitionIsFNV1a32OfTheUTF8Bytes() {
        // Published FNV-1a 32-bit test vectors.
        #expect(EntityPartition.of("") == 0x811c_9dc5)
        #expect(EntityPartition.of("a") == 0xe40c_292c)
        #expect(EntityPartition.of("foobar") == 0xbf9c_f968)
        // Of the bytes as they came: two spellings Swift calls equal are two partitions.
        #expect(EntityPartition.of("\u{e9}") != EntityPartition.of("e\u{301}"))
    }

    @Test func eachDeclarationsStateEncodesAndDecodesOnItsOwn() throws {
        let context = PostgresFixtures.context("card-1")
        for (name, state) in context.states {
            let text = EntityContext.storedText(of: state)
            #expect(try EntityContext.state(storedText: text, subject: "card-1", declaration: name) == state)
            // The whole context's text is these, keyed by declaration: SQLite's rows are unchanged.
            #expect(context.storedText.contains("\"\(name)\":" + text))
        }
        #expect(try EntityContext(subject: "card-1", storedText: context.storedText) == context)
        #expect(throws: StoredRecordError.self) {
            try EntityContext.state(storedText: "{\"window\": 3}", subject: "card-1", declaration: "spend")
        }
    }
}
