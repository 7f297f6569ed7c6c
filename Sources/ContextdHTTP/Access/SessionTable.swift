import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The console's browser sessions, held in memory only (decision record 0015): a restart signs
/// everybody out, and nothing on disk holds a credential.
///
/// A session keeps the token's name, level and assignee prefixes — never its secret — and its
/// own CSRF token. It ends after ``idleLimit`` without a request, at sign-out, or when the
/// table is full and it is the least recently used.
public final class SessionTable: Sendable {
    struct Session: Sendable {
        var key: [UInt8]
        var caller: Caller
        var csrf: String
        var lastSeen: Timestamp
    }

    /// Twelve hours without a request end a session.
    static let idleLimit = TimeSpan.hours(12)
    /// More sessions than people who operate one daemon; past it the idlest one goes, so a
    /// script signing in in a loop cannot grow the table without bound.
    static let capacity = 256
    /// Sessions one token may hold; its next sign-in ends its own idlest one. Without this
    /// limit, anyone holding any token (a dashboard's `read` one) could sign in 256 times and
    /// push every operator's session out of the table.
    static let perToken = 16

    private let sessions = Mutex<[Session]>([])

    public init() {}

    /// A new session for `caller`: the cookie value and the CSRF token, each 256 random bits.
    func open(for caller: Caller, at now: Timestamp) -> (cookie: String, csrf: String) {
        let cookie = Self.randomToken()
        let session = Session(key: Array(cookie.utf8), caller: caller, csrf: Self.randomToken(), lastSeen: now)
        sessions.withLock { sessions in
            sessions.removeAll { now - $0.lastSeen > Self.idleLimit }
            let own = sessions.indices.filter { sessions[$0].caller.name == caller.name }
            let candidates = own.count >= Self.perToken ? own
                : sessions.count >= Self.capacity ? Array(sessions.indices) : []
            if let idlest = candidates.min(by: { sessions[$0].lastSeen < sessions[$1].lastSeen }) {
                sessions.remove(at: idlest)
            }
            sessions.append(session)
        }
        return (cookie, session.csrf)
    }

    /// The session a cookie value names, touched as used now; nil when none (or it expired).
    /// Every session is compared in constant time, as bearer tokens are.
    func session(cookie: String, at now: Timestamp) -> (caller: Caller, csrf: String)? {
        let presented = Array(cookie.utf8)
        return sessions.withLock { sessions in
            var found: Int?
            for index in sessions.indices where AccessControl.constantTimeEquals(sessions[index].key, presented) {
                found = index
            }
            guard let index = found else { return nil }
            if now - sessions[index].lastSeen > Self.idleLimit {
                sessions.remove(at: index)
                return nil
            }
            sessions[index].lastSeen = now
            return (sessions[index].caller, sessions[index].csrf)
        }
    }

    /// Ends the session a cookie value names, if any.
    func close(cookie: String) {
        let presented = Array(cookie.utf8)
        sessions.withLock { sessions in
            sessions.removeAll { AccessControl.constantTimeEquals($0.key, presented) }
        }
    }

    /// 256 bits from the system's CSPRNG (getrandom(2) on Linux), base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return base64URL(bytes)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0...chunk.count { out.append(alphabet[(value >> (18 - 6 * position)) & 63]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
