import Glibc

/// The names in a directory as raw bytes, without `.` and `..`, in no particular order.
///
/// `readdir` directly rather than `FileManager`, so a failure keeps its `errno` and a name that
/// is not valid UTF-8 comes back as it is instead of being skipped or altered: a file in `new/`
/// that contextd cannot name is a file it would never claim nor reject. Public for the file
/// outbox, which clears its `tmp/` with it.
public func directoryEntries(_ path: String) throws(SpoolError) -> [[UInt8]] {
    guard let directory = opendir(path) else { throw .system("open directory", path: path) }
    defer { closedir(directory) }
    var names: [[UInt8]] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            if errno != 0 { throw .system("read directory", path: path) }
            return names
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
        if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] { names.append(name) }
    }
}

/// The name as a `String` when it is valid UTF-8, nil when decoding would have to repair it.
func validName(_ bytes: [UInt8]) -> String? {
    String(validating: bytes, as: UTF8.self)
}

/// Names sorted by their UTF-8 bytes, the order time-sortable producer names are meant to give.
func byteOrder(_ names: [String]) -> [String] {
    names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}
