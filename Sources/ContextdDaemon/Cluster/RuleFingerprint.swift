import ContextdRules
import Crypto
import Foundation

/// The fingerprint of a rule set as loaded from its files: SHA-256 over each rule file's name
/// (relative to its configured rules path) and bytes, in name order, first 12 hex digits.
///
/// Why from the files and not the compiled rules: two nodes must agree that they run the same
/// rules, and the same files are the same rules for every version that reads them alike; it is
/// also what an operator can check by hand (`sha256sum`). The files are the ones the loader
/// reads (``RuleSource/files(under:)``): rule tests and hidden files do not count.
enum RuleFingerprint {
    static func of(paths: [String]) -> String {
        var entries: [(name: String, digest: String)] = []
        for root in paths {
            // A path that is gone has no rules to fingerprint; the loader reports it.
            guard let files = try? RuleSource.files(under: [root]) else { continue }
            let prefix = root.hasSuffix("/") ? root : root + "/"
            for file in files {
                let name = file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : (file as NSString).lastPathComponent
                let bytes = FileManager.default.contents(atPath: file) ?? Data()
                entries.append((name, FileDigest.hex(SHA256.hash(data: bytes))))
            }
        }
        // By name, then by content: the rules directories' own paths differ from host to host.
        var hash = SHA256()
        for entry in entries.sorted(by: { ($0.name, $0.digest) < ($1.name, $1.digest) }) {
            hash.update(data: Array((entry.name + "\u{0}" + entry.digest + "\u{0}").utf8))
        }
        return String(FileDigest.hex(hash.finalize()).prefix(12))
    }
}
