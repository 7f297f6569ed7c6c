import Glibc

extension ClaimedFile {
    /// Reads the file from the start in chunks of at most `chunkSize` bytes, handing each to
    /// `body` (an `EventStreamDecoder.feed`), so a file of any size is streamed, never loaded
    /// whole.
    ///
    /// Opens with `O_NOFOLLOW` and checks the opened file is regular: the claim already refused
    /// symlinks, and this makes sure nothing swapped one in since.
    public func read(chunkSize: Int = 1 << 16, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw SpoolError.system("open", path: path) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SpoolError.system("fstat", path: path) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SpoolError(path: path, operation: "open", code: EINVAL, message: "not a regular file")
        }
        var buffer = [UInt8](repeating: 0, count: max(1, chunkSize))
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SpoolError.system("read", path: path)
            }
            if count == 0 { return }
            try body(buffer[..<count])
        }
    }
}
