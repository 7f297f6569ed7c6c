import ContextdSpool
import ContextdTestKit
import Foundation
import Synchronization
import Testing

/// "Files are taken in name order within a spool": a producer that renames its files into
/// `new/` in name order must never see a later file taken while an earlier one waits.
///
/// `readdir` does not promise that: a file renamed in while the directory is being read may or
/// may not be returned, and on ext4 (entries in hash order) one renamed in after another can be
/// returned while the other is not. The daemon once took `batch-01556` before `batch-01554` and
/// `-01555` that way, under load, and so differed from `replay` of the files in order.
///
/// It lists for seconds on its thread: it takes a turn among the tests that block one, or it
/// would starve the in-process HTTP servers of other tests on a 2-core machine.
@Suite("Spool: listing order while files arrive", .serialized, .blocksAThread)
struct SpoolListingOrderTests {
    @Test func everyListingWhileFilesArriveIsAPrefixOfTheDropOrder() throws {
        let fixture = try SpoolFixture()
        let count = 3000
        let names = (0..<count).map { String(format: "batch-%05d.jsonl", $0) }
        let dropped = Atomic<Int>(0)
        let tmp = fixture.path("tmp", "incoming")
        let new = fixture.path("new", "")
        let producer = Thread {
            for name in names {
                // As SpoolFixture.drop: written in tmp/, renamed into new/.
                _ = FileManager.default.createFile(atPath: tmp, contents: Data("{}\n".utf8))
                _ = rename(tmp, new + name)
                dropped.add(1, ordering: .sequentiallyConsistent)
            }
        }
        producer.start()
        var listings = 0
        var largest = 0
        while dropped.load(ordering: .sequentiallyConsistent) < count {
            let waiting = try fixture.spool.waiting()
            listings += 1
            largest = max(largest, waiting.count)
            // With nothing claimed, what is listed must be the first `waiting.count` drops.
            #expect(waiting == Array(names.prefix(waiting.count)), "listing \(listings) skipped a file dropped before one it lists")
            if waiting != Array(names.prefix(waiting.count)) { break }
        }
        while dropped.load(ordering: .sequentiallyConsistent) < count { usleep(1000) }
        #expect(try fixture.spool.waiting() == names)
        #expect(listings > 10, "the listings ran while files arrived: \(listings)")
        print("spool listing order: \(listings) listings while \(count) files arrived, at most \(largest) waiting")
    }
}
