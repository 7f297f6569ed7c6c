import ContextdSpool
import Foundation

/// The instance id of a node: a random id kept in its data directory (`node-instance`),
/// made at its first start.
///
/// Why: the cluster refuses a second live node under an id already in use, but must let the
/// same node restart at once (after a crash its heartbeat is still young). Only one process
/// can hold a data directory (``DataDirectoryLock``), so "same instance" means "the same node,
/// restarted", and another instance under the same id is another machine.
enum NodeInstance {
    static func id(in dataDirectory: String) throws -> String {
        let path = (dataDirectory as NSString).appendingPathComponent("node-instance")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { return id }
        }
        let id = UUID().uuidString.lowercased()
        try writeDurably(Array((id + "\n").utf8), to: path)
        return id
    }
}
