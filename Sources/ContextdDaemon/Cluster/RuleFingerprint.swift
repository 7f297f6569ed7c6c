import ContextdRules
import ContextdStore
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
        of(files: files(paths: paths))
    }

    /// The fingerprint of files named as ``files(paths:)`` names them.
    static func of(files: [RuleFileText]) -> String {
        // By name, then by content: the rules directories' own paths differ from host to host.
        let entries = files.map { ($0.name, FileDigest.hex(SHA256.hash(data: Array($0.text.utf8)))) }
        var hash = SHA256()
        for entry in entries.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            hash.update(data: Array((entry.0 + "\u{0}" + entry.1 + "\u{0}").utf8))
        }
        return String(FileDigest.hex(hash.finalize()).prefix(12))
    }

    /// The rule files under `paths`, each named relative to the path it was found under, with
    /// its text: what a node keeps in the store under the fingerprint (decision 0018 §4).
    static func files(paths: [String]) -> [RuleFileText] {
        var files: [RuleFileText] = []
        for root in paths {
            // A path that is gone has no rules to fingerprint; the loader reports it.
            guard let found = try? RuleSource.files(under: [root]) else { continue }
            let prefix = root.hasSuffix("/") ? root : root + "/"
            for file in found {
                let name = file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : (file as NSString).lastPathComponent
                let bytes = FileManager.default.contents(atPath: file) ?? Data()
                files.append(RuleFileText(name: name, text: String(decoding: bytes, as: UTF8.self)))
            }
        }
        return files
    }
}
