import Crypto
import Foundation

/// The fingerprint of a rule set as loaded from its files: SHA-256 over each rule file's path
/// (relative to its configured rules path) and bytes, in path order, first 12 hex digits.
///
/// Why from the files and not the compiled rules: two nodes must agree that they run the same
/// rules, and the same files are the same rules for every version that reads them alike; it is
/// also what an operator can check by hand (`sha256sum`).
enum RuleFingerprint {
    static func of(paths: [String]) -> String {
        var files: [(name: String, path: String)] = []
        for root in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                files.append(((root as NSString).lastPathComponent, root))
                continue
            }
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
                files.append((relative, (root as NSString).appendingPathComponent(relative)))
            }
        }
        // By name, then by content: the rules directories' own paths differ from host to host.
        let entries = files.map { file in
            (name: file.name, digest: FileDigest.hex(SHA256.hash(data: FileManager.default.contents(atPath: file.path) ?? Data())))
        }.sorted { ($0.name, $0.digest) < ($1.name, $1.digest) }
        var hash = SHA256()
        for entry in entries {
            hash.update(data: Array((entry.name + "\u{0}" + entry.digest + "\u{0}").utf8))
        }
        return String(FileDigest.hex(hash.finalize()).prefix(12))
    }
}
