import Foundation
import Glibc

/// A TCP proxy on 127.0.0.1 (port 0) in front of the test server that can cut connections at
/// the worst moments of a commit: what a network failure or a server crash does to the store.
///
/// Plain blocking sockets, a thread per direction of each connection. Armed to cut
/// ``Cut/afterCommitReached``, it forwards the client message that contains `COMMIT`, waits
/// until the server answers (so the COMMIT is durable), drops that answer and closes both
/// sides: the client never learns that its commit went through (the in-doubt case).
/// ``Cut/beforeCommit`` closes both sides instead of forwarding the COMMIT. While not
/// ``isPassing``, every connection is closed as soon as it is accepted, as an unreachable server.
final class CuttingProxy: @unchecked Sendable {
    enum Cut { case afterCommitReached, beforeCommit }

    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let lock = NSLock()
    private var armed: Cut?
    private var passing: Bool
    private var cutCount = 0
    private var refusedCount = 0

    init(upstreamPort: Int, passing: Bool = true) throws {
        self.upstreamPort = upstreamPort
        self.passing = passing
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Cuts the next connection that sends a COMMIT, once.
    func arm(_ cut: Cut) { lock.withLock { armed = cut } }
    /// Starts (or stops) letting connections through.
    func setPassing(_ value: Bool) { lock.withLock { passing = value } }
    /// How many connections were cut at a COMMIT.
    var cuts: Int { lock.withLock { cutCount } }
    /// How many connections were closed at once because the proxy was not passing.
    var refused: Int { lock.withLock { refusedCount } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            guard lock.withLock({ passing }) else {
                lock.withLock { refusedCount += 1 }
                close(client)
                continue
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(client)
                close(server)
                continue
            }
            let pair = Pair(client: client, server: server)
            Thread { [self] in forwardRequests(pair) }.start()
            Thread { [self] in forwardAnswers(pair) }.start()
        }
    }

    /// Client to server; the COMMIT may be cut here.
    private func forwardRequests(_ pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(pair.client, &buffer, buffer.count)
            guard count > 0 else { return pair.close() }
            let chunk = Array(buffer[0..<count])
            if Self.contains(chunk, "COMMIT"), let cut = lock.withLock({ () -> Cut? in
                defer { armed = nil }
                return armed
            }) {
                lock.withLock { cutCount += 1 }
                switch cut {
                case .beforeCommit:
                    return pair.close()
                case .afterCommitReached:
                    pair.dropAnswers()
                }
            }
            guard Self.writeAll(pair.server, chunk) else { return pair.close() }
        }
    }

    /// Server to client; after an armed COMMIT, the answer is dropped and both sides closed.
    private func forwardAnswers(_ pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(pair.server, &buffer, buffer.count)
            guard count > 0 else { return pair.close() }
            if pair.dropsAnswers { return pair.close() }
            guard Self.writeAll(pair.client, Array(buffer[0..<count])) else { return pair.close() }
        }
    }

    private final class Pair: @unchecked Sendable {
        let client: Int32
        let server: Int32
        private let lock = NSLock()
        private var closed = false
        private var dropping = false

        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }

        var dropsAnswers: Bool { lock.withLock { dropping } }
        func dropAnswers() { lock.withLock { dropping = true } }

        func close() {
            let first = lock.withLock { () -> Bool in
                defer { closed = true }
                return !closed
            }
            guard first else { return }
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
            // Closed after both threads have woken from their reads.
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [client, server] in
                Glibc.close(client)
                Glibc.close(server)
            }
        }
    }

    private static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if Array(bytes[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
