/// The host and port the HTTP API listens on: `127.0.0.1:8470`, `localhost:8470`, `[::1]:8470`.
///
/// Parsed and checked when the configuration loads, so a typo in the address is reported with
/// its line before the daemon starts, not as a bind failure later.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP address; an IPv6 address without its brackets.
    public var host: String
    /// 0–65535; 0 lets the kernel choose a free port (the bound port is logged).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The address in `host:port` form, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True when only this machine can connect: `localhost`, 127.0.0.0/8 or `::1`.
    ///
    /// The API refuses requests without a valid bearer token unless the listener is
    /// loopback-only (SPEC §3).
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && ListenAddress.isIPv4(host))
    }

    /// Parses `host:port`; the error says what is wrong with the text.
    static func parse(_ text: String) -> Result<ListenAddress, ValueProblem> {
        let example = "write host:port, such as 127.0.0.1:8470 or [::1]:8470"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(ValueProblem("'[' opens an IPv6 address that is never closed; \(example)"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { return .failure(ValueProblem("the port is missing; \(example)")) }
            portText = rest.dropFirst()
            guard isIPv6(host) else { return .failure(ValueProblem("'\(host)' is not an IPv6 address")) }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ValueProblem("the port is missing; \(example)"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return .failure(ValueProblem("an IPv6 address must be written in brackets, such as [::1]:8470"))
            }
            if let problem = hostProblem(host) { return .failure(ValueProblem(problem)) }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), (0...65535).contains(port)
        else {
            return .failure(
                ValueProblem("the port must be a whole number from 0 to 65535 (0 = any free port), got '\(portText)'"))
        }
        return .success(ListenAddress(host: String(host), port: port))
    }

    /// Why `host` is neither an IPv4 address nor a host name, or nil when it is one of them.
    private static func hostProblem(_ host: Substring) -> String? {
        if host.isEmpty { return "the host is missing; write 0.0.0.0 to listen on every interface" }
        if host.allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
            return isIPv4(host) ? nil : "'\(host)' is not an IPv4 address"
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" }
        }
        return valid ? nil : "'\(host)' is not a host name or an IP address"
    }

    private static func isIPv4(_ host: some StringProtocol) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
        }
    }

    /// A loose check (hex groups, colons, an optional embedded IPv4 tail and `%zone`): enough
    /// to catch typos; the system's resolver has the last word when binding.
    private static func isIPv6(_ host: Substring) -> Bool {
        let address = host.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard address.contains(":"), address.count <= 45 else { return false }
        return address.allSatisfy { ($0.isASCII && $0.isHexDigit) || $0 == ":" || $0 == "." }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
