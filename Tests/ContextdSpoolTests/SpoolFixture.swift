import ContextdSpool
import Foundation

/// A spool in a temporary directory, with a producer's way of dropping files into it.
struct SpoolFixture {
    let directory: TemporaryDirectory
    let spool: Spool

    init(onDone: Spool.OnDone = .move) throws {
        directory = try TemporaryDirectory()
        spool = try Spool(name: "events", directory: directory.child("spool"), onDone: onDone)
    }

    /// `<spool>/<folder>/<name>`.
    func path(_ folder: String, _ name: String) -> String { spool.directory + "/" + folder + "/" + name }

    func names(_ folder: String) throws -> [String] { try Disk.names(in: spool.directory + "/" + folder) }

    /// Writes `text` into `tmp/` and renames it into `new/`, as the protocol asks producers to.
    func drop(_ name: String, _ text: String = "{}\n") throws {
        try Disk.write(text, to: path("tmp", "producer-incoming"))
        try Disk.rename(path("tmp", "producer-incoming"), path("new", name))
    }

    /// Claims `name`, expecting it to be claimed.
    func claimed(_ name: String) throws -> ClaimedFile {
        guard case .claimed(let file) = try spool.claim(name) else {
            throw SpoolError(path: name, operation: "test claim", code: 0, message: "not claimed")
        }
        return file
    }
}
