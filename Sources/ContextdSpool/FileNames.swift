/// Names contextd makes up inside a spool: the next free name when one is taken, and its own
/// temporary files. Each must fit Linux's 255-byte limit for one name, or a long producer name
/// would make a file impossible to complete or reject, and it would be redone forever.

/// The longest name one directory entry can have (`NAME_MAX`).
let maximumNameBytes = 255

/// `name`, `name.1`, `name.2`, …: the names tried, in order, when a destination is taken.
///
/// Each leaves room for `reserved` more bytes (a suffix such as `.error.json` the caller adds);
/// when the name would not fit, its end is cut off (at a character boundary) before the
/// counter is added.
func collisionNames(_ name: String, reserving reserved: Int = 0) -> some Sequence<String> {
    (0...).lazy.map { index in
        let counter = index == 0 ? "" : ".\(index)"
        return prefix(of: name, bytes: maximumNameBytes - reserved - counter.utf8.count) + counter
    }
}

/// The name of one of contextd's own files in `tmp/` for the file `name`:
/// `.contextd.<name><suffix>`, the leading dot telling producers it is not theirs. A name too
/// long for that is cut and followed by a hash of the whole, so it stays one name per file.
func stagingName(for name: String, suffix: String) -> String {
    let plain = ".contextd." + name + suffix
    if plain.utf8.count <= maximumNameBytes { return plain }
    let hash = "." + String(fnv1a(name), radix: 16)
    let room = maximumNameBytes - ".contextd.".utf8.count - hash.utf8.count - suffix.utf8.count
    return ".contextd." + prefix(of: name, bytes: room) + hash + suffix
}

/// The longest start of `text` that is at most `bytes` UTF-8 bytes and ends between characters.
func prefix(of text: String, bytes: Int) -> String {
    guard text.utf8.count > bytes else { return text }
    var count = 0
    var result = ""
    for character in text {
        count += character.utf8.count
        if count > bytes { break }
        result.append(character)
    }
    return result
}

/// 64-bit FNV-1a: a stable hash (Swift's `Hasher` is seeded per process, and a staged file
/// must keep its name across a restart).
private func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    return hash
}
