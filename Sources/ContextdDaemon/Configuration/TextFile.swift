#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole small text file, saying in the system's words why it cannot.
///
/// Read through POSIX calls rather than Foundation so that the reason (`No such file or
/// directory`, `Permission denied`) reaches the operator as the system states it.
enum TextFile {
    /// Larger than any sensible configuration file; a guard against being pointed at a spool.
    static let maximumBytes = 4 << 20

    static func contents(of path: String) -> Result<String, ValueProblem> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return .failure(ValueProblem(systemReason())) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            return .failure(ValueProblem("it is a directory, not a file"))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ValueProblem(systemReason()))
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            if bytes.count > maximumBytes {
                return .failure(ValueProblem("it is larger than \(maximumBytes >> 20) MiB"))
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { return .failure(ValueProblem("it is not UTF-8 text")) }
        return .success(text)
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
