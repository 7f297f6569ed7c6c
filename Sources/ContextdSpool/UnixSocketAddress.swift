import Glibc

/// A `sockaddr_un` for a notification socket: a file system path, or, written with a leading
/// `@`, a name in Linux's abstract namespace (leading NUL byte, no terminator).
struct UnixSocketAddress {
    private var storage = sockaddr_un()
    /// The address length to pass to the kernel: the family plus exactly the bytes of the name
    /// (and its terminating NUL, for a path). For an abstract name every byte counts, trailing
    /// zeros included, so it must not be `sizeof(sockaddr_un)`.
    let length: socklen_t

    /// nil when the name is empty or does not fit in `sun_path`.
    init?(_ name: String) {
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract {
            bytes[0] = 0
        } else {
            bytes.append(0)
        }
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard bytes.count > 1, bytes.count <= capacity, abstract || !bytes.dropLast().contains(0) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { path in
            path.copyBytes(from: bytes)
        }
        length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
