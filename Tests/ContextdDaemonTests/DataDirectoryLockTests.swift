import ContextdDaemon
import Foundation
import Glibc
import Testing

/// One data directory, one daemon (SPEC §8); a store that a previous daemon had and that is gone
/// is noticed (issue 17, items 8 and 9).
@Suite struct DataDirectoryLockTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSecondLockIsRefusedNamingTheHolderAndFreedWithTheFirst() throws {
        let directory = try Self.temporaryDirectory() + "/var"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let first = try DataDirectoryLock(dataDirectory: directory)
            let contents = try String(contentsOfFile: directory + "/contextd.lock", encoding: .utf8)
            #expect(contents == "\(getpid())\n")
            #expect {
                _ = try DataDirectoryLock(dataDirectory: directory)
            } throws: { error in
                (error as? DataDirectoryLock.Held)?.holder == getpid()
                    && "\(error)".contains("in use by another contextd (pid \(getpid()))")
            }
            withExtendedLifetime(first) {}
        }
        _ = try DataDirectoryLock(dataDirectory: directory)
    }

    @Test func aStoreThePreviousDaemonHadAndThatIsGoneIsNoticed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/contextd.sqlite"
        do {
            let lock = try DataDirectoryLock(dataDirectory: directory)
            #expect(!lock.lostStore(database), "a first start has nothing to lose")
            _ = FileManager.default.createFile(atPath: database, contents: Data())
            lock.recordStore(database)
        }
        do {
            let lock = try DataDirectoryLock(dataDirectory: directory)
            #expect(!lock.lostStore(database), "the store is there")
        }
        try FileManager.default.removeItem(atPath: database)
        let lock = try DataDirectoryLock(dataDirectory: directory)
        #expect(lock.lostStore(database))
    }
}
