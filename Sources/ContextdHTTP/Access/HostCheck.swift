import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// The Host names a browser may use to reach the console (DNS rebinding defence).
///
/// A page on `evil.example` whose name is made to resolve to 127.0.0.1 reaches a loopback
/// listener with the browser's cookie — or, without tokens, with no credential at all. Its
/// requests still carry `Host: evil.example`, so a request authenticated by cookie or served
/// anonymously must name this listener. Only the name is compared, not the port: an SSH
/// tunnel may forward another local port. Bearer-token requests skip the check: a browser
/// never adds a bearer token on its own.
struct HostCheck: Sendable {
    /// Lower-case host names, IPv6 addresses in brackets.
    let accepted: [String]

    /// `listenHost` as configured (an IPv6 address without brackets); `extra` from
    /// `http.console_hosts`.
    init(listenHost: String, extra: [String]) {
        var names = [Self.normalized(listenHost.contains(":") ? "[\(listenHost)]" : listenHost)]
        let wildcard = ["", "0.0.0.0", "::", "[::]"].contains(listenHost)
        let loopback = listenHost == "localhost" || listenHost == "::1" || listenHost.hasPrefix("127.")
        if wildcard || loopback { names += ["localhost", "127.0.0.1", "[::1]"] }
        names += extra.map(Self.normalized)
        var seen = Set<String>()
        accepted = names.filter { !$0.isEmpty && !["0.0.0.0", "[::]"].contains($0) && seen.insert($0).inserted }
    }

    /// Whether an authority (`host`, `host:port`, `[v6]:port`) names this listener.
    func accepts(_ authority: String?) -> Bool {
        guard let authority else { return false }
        return accepted.contains(Self.hostName(of: authority))
    }

    /// The refusal: 421, saying which names are accepted and how to add one.
    func refusal(for authority: String?) -> APIError {
        let named = authority.map { "Host '\(Self.hostName(of: $0))'" } ?? "a request without a Host header"
        return APIError(.misdirectedRequest, "misdirected_request",
            "\(named) does not name this listener; accepted host names: \(accepted.joined(separator: ", ")). "
                + "To reach the console under another name (a proxy, a DNS name), add it to http.console_hosts")
    }

    /// The host name of `host`, `host:port` or `[v6]:port`, normalized; anything after the name
    /// but a port of digits (`[::1]evil`, `localhost:x`) leaves the whole authority, which then
    /// names no listener.
    static func hostName(of authority: String) -> String {
        var name = Substring(authority)
        var rest = Substring("")
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return normalized(authority) }
            name = authority[...close]
            rest = authority[authority.index(after: close)...]
        } else if let colon = authority.lastIndex(of: ":") {
            name = authority[..<colon]
            rest = authority[colon...]
        }
        let port = rest.dropFirst()
        guard rest.isEmpty || (rest.first == ":" && !port.isEmpty && port.allSatisfy { ("0"..."9").contains($0) }) else {
            return normalized(authority)
        }
        return normalized(String(name))
    }

    /// Lower case, without a trailing dot (`localhost.` is `localhost`).
    private static func normalized(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }
}
