public import ContextdStore
import Foundation

/// A rule set the store keeps, written out as files for the loader (a node evaluating with the
/// cluster's rules at some position) or for `replay` (the export's `rules=DIR`).
public enum RuleSetFolder {
    /// Writes each file under `folder` (emptied first). A name that would leave the folder (an
    /// absolute path, `..`) is refused: the names come from a database.
    public static func write(_ files: [RuleFileText], into folder: String) throws {
        let manager = FileManager.default
        try? manager.removeItem(atPath: folder)
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for file in files {
            let parts = file.name.split(separator: "/")
            guard !file.name.hasPrefix("/"), !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }) else {
                throw UnsafeName(name: file.name)
            }
            let path = (folder as NSString).appendingPathComponent(file.name)
            try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    public struct UnsafeName: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "the stored rule file name '\(name)' is not a path inside the rules folder" }
    }
}
