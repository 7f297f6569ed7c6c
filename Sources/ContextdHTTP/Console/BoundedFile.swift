import Glibc

/// Reads at most a few hundred kilobytes of a file in `rejected/`, whatever is there: a
/// rejected file may be 10 GB, a symbolic link (to /etc/passwd: never followed), a named pipe
/// (opening it must not block) or a device. Only a regular file is read.
struct BoundedFile: Sendable {
    /// The lines read (invalid UTF-8 shown with replacement characters), at most `maxLines`.
    var lines: [String]
    /// True when the file holds more than was read.
    var truncated: Bool

    static let maxBytes = 256 * 1024

    /// The file's first lines, or nil when it is missing or not a regular file. A symbolic
    /// link is followed only when `followingLinks` (rule files, which the operator placed and
    /// the daemon reads through links too, as a Kubernetes ConfigMap mounts them).
    static func read(
        _ path: String, maxLines: Int, followingLinks: Bool = false
    ) -> BoundedFile? {
        let descriptor = open(path, O_RDONLY | (followingLinks ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: min(size, Self.maxBytes))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count <= 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var truncated = size > filled
        if lines.count > maxLines {
            lines = Array(lines.prefix(maxLines))
            truncated = true
        }
        return BoundedFile(lines: lines.map { String(decoding: $0, as: UTF8.self) }, truncated: truncated)
    }

    /// The hint under a listing that was cut (read with `maxLines`); nothing when it was not.
    func cutHint(maxLines: Int) -> HTML {
        guard truncated else { return .empty }
        return .element("p", [("class", "hint")]) {
            "Cut at \(maxLines) lines or \(Self.maxBytes / 1024) KiB; the file holds more."
        }
    }
}
