import ContextdSpool
import Crypto

/// The SHA-256 of a claimed file's bytes, in lowercase hex: what tells the event log a file
/// appended a second time (the same bytes: a no-op) from another file dropped under a name an
/// earlier one used (other bytes: appended).
///
/// Read in the spool's own chunks (``ClaimedFile/read(chunkSize:_:)``: no symlink, a regular
/// file), so a file of any size costs one pass and bounded memory.
enum FileDigest {
    static func of(_ file: ClaimedFile) throws -> String {
        var hash = SHA256()
        try file.read { chunk in hash.update(data: chunk) }
        return hex(hash.finalize())
    }

    /// The SHA-256 of `text`'s UTF-8 bytes: the record of a batch the daemon appends itself
    /// (outcomes acked over HTTP), so that appending it again adds nothing.
    static func of(text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
