import ContextdExpressions

extension PostgresAddress {
    /// The URL schemes libpq accepts.
    static let schemes = ["postgresql", "postgres"]
    /// The query parameters contextd reads; any other is refused rather than silently ignored.
    static let parameters = ["sslmode", "sslrootcert", "connect_timeout", "application_name"]
    public static let example = "postgresql://contextd@db.example.org:5432/contextd?sslmode=verify-full"

    /// Parses a libpq-style URL; the error says what is wrong and never quotes the password.
    ///
    /// The user information ends at the URL's *last* `@`, so that a password with an unencoded
    /// `@`, `/`, `?` or `:` is still taken whole (and kept out of every message) rather than
    /// split into a host and a path that an error would quote.
    public init(parsing text: String) throws(PostgresAddressError) {
        let rest = try Self.afterScheme(text)
        guard let at = rest.lastIndex(of: "@") else {
            throw PostgresAddressError("the URL names no user; write it as \(Self.example)")
        }
        let (user, password) = try Self.userInformation(rest[..<at])
        var location = rest[rest.index(after: at)...]
        var query: Substring?
        if let mark = location.firstIndex(of: "?") {
            query = location[location.index(after: mark)...]
            location = location[..<mark]
        }
        if location.contains("#") {
            throw PostgresAddressError("a URL fragment ('#…') has no meaning here; write a '#' in a name as %23")
        }
        let slash = location.firstIndex(of: "/") ?? location.endIndex
        let (host, port) = try Self.hostAndPort(location[..<slash])
        let database = try Self.database(slash == location.endIndex ? nil : location[location.index(after: slash)...])
        self.init(user: user, password: password, host: host, port: port, database: database)
        if let query { try read(query) }
    }

    /// What follows `postgresql://`; a wrong scheme gets a suggestion.
    private static func afterScheme(_ text: String) throws(PostgresAddressError) -> Substring {
        guard let separator = text.firstRange(of: "://") else {
            if text.lowercased().hasPrefix("sqlite:") || text.lowercased().hasPrefix("file:") {
                throw PostgresAddressError(sqliteAdvice)
            }
            throw PostgresAddressError("expected a URL such as \(example)")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard schemes.contains(scheme) else {
            if ["sqlite", "sqlite3", "file"].contains(scheme) { throw PostgresAddressError(sqliteAdvice) }
            var reason = "unknown scheme '\(scheme)'"
            if let suggestion = Suggestions.closest(to: scheme, among: Set(schemes)) {
                reason += " — did you mean '\(suggestion)'?"
            }
            throw PostgresAddressError(reason + " (a store URL starts with postgresql:// or postgres://)")
        }
        return text[separator.upperBound...]
    }

    private static let sqliteAdvice = "SQLite needs no 'store' URL: without 'store' the daemon keeps its SQLite "
        + "database in 'data_dir'; remove 'store', or give a PostgreSQL server as \(example)"

    /// `USER[:PASSWORD]`, percent-decoded; messages never quote either.
    private static func userInformation(_ text: Substring) throws(PostgresAddressError)
        -> (user: String, password: PostgresPassword?)
    {
        let colon = text.firstIndex(of: ":")
        let userText = text[..<(colon ?? text.endIndex)]
        guard !userText.isEmpty else {
            throw PostgresAddressError("the URL names no user before '@'; write it as \(example)")
        }
        guard let user = URLText.decoded(userText) else {
            throw PostgresAddressError("the user name has a malformed percent-escape (write '%' itself as %25)")
        }
        guard let colon else { return (user, nil) }
        let passwordText = text[text.index(after: colon)...]
        guard !passwordText.isEmpty else {
            throw PostgresAddressError("the password after 'USER:' is empty; give it, or leave out the ':' "
                + "(and use 'store_password_file', or none for trust or peer authentication)")
        }
        guard let password = URLText.decoded(passwordText) else {
            throw PostgresAddressError("the password has a malformed percent-escape (write '%' itself as %25)")
        }
        return (user, PostgresPassword(password))
    }

    /// `HOST[:PORT]` or `[IPV6][:PORT]`.
    private static func hostAndPort(_ text: Substring) throws(PostgresAddressError) -> (host: String, port: Int) {
        if text.contains(",") {
            throw PostgresAddressError("the URL lists several hosts; contextd connects to one (put a proxy or a "
                + "virtual address in front of replicas)")
        }
        let hostText: Substring
        let portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw PostgresAddressError("'[' opens an IPv6 address that is never closed, as in postgresql://contextd@[::1]:5432/contextd")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.isEmpty || after.first == ":" else {
                throw PostgresAddressError("expected ':PORT' or '/DB' after the IPv6 address [\(hostText)]")
            }
            portText = after.isEmpty ? nil : after.dropFirst()
            guard hostText.contains(":"), hostText.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" })
            else { throw PostgresAddressError("'\(hostText)' in brackets is not an IPv6 address") }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons > 1 {
                throw PostgresAddressError("an IPv6 address must be written in brackets, as in postgresql://contextd@[::1]:5432/contextd")
            }
            let colon = text.firstIndex(of: ":")
            hostText = text[..<(colon ?? text.endIndex)]
            portText = colon.map { text[text.index(after: $0)...] }
        }
        guard !hostText.isEmpty else {
            throw PostgresAddressError("the URL names no host after '@'; write it as \(example)")
        }
        guard let host = URLText.decoded(hostText) else {
            throw PostgresAddressError("the host has a malformed percent-escape")
        }
        if host.hasPrefix("/") {
            throw PostgresAddressError("the host '\(host)' is a Unix socket directory; contextd connects over TCP: "
                + "give a host name or an IP address")
        }
        guard let portText else { return (host, defaultPort) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText),
            (1...65535).contains(port)
        else {
            throw PostgresAddressError("the port must be a whole number from 1 to 65535, found '\(portText)'")
        }
        return (host, port)
    }

    private static func database(_ path: Substring?) throws(PostgresAddressError) -> String {
        guard let path, !path.isEmpty else {
            throw PostgresAddressError("the URL names no database; add '/DB' after the host, as in \(example)")
        }
        guard let database = URLText.decoded(path) else {
            throw PostgresAddressError("the database name has a malformed percent-escape (write '%' itself as %25)")
        }
        if database.contains("/") {
            throw PostgresAddressError("the database name '\(database)' contains '/'; write it as %2F if it is meant")
        }
        return database
    }

    /// The query's `name=value` pairs, each known name at most once.
    private mutating func read(_ query: Substring) throws(PostgresAddressError) {
        var seen: Set<String> = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "="),
                let name = URLText.decoded(pair[..<equals]), let value = URLText.decoded(pair[pair.index(after: equals)...])
            else {
                throw PostgresAddressError("expected 'name=value' in the URL's parameters, found '\(pair)'")
            }
            guard Self.parameters.contains(name) else {
                var reason = "unknown parameter '\(name)'"
                if let suggestion = Suggestions.closest(to: name, among: Set(Self.parameters)) {
                    reason += " — did you mean '\(suggestion)'?"
                }
                throw PostgresAddressError(reason + " (contextd reads: \(Self.parameters.joined(separator: ", ")))")
            }
            guard seen.insert(name).inserted else {
                throw PostgresAddressError("the parameter '\(name)' is given twice; give it once")
            }
            try set(name, to: value)
        }
        if let rootCertificate, !sslMode.verifiesChain(withRootCertificate: true) {
            throw PostgresAddressError("sslrootcert=\(rootCertificate) has no effect with sslmode=\(sslMode.rawValue), "
                + "which does not check the server's certificate; use sslmode=verify-full")
        }
    }

    private mutating func set(_ name: String, to value: String) throws(PostgresAddressError) {
        switch name {
        case "sslmode":
            guard let mode = PostgresSSLMode(rawValue: value) else {
                let modes = PostgresSSLMode.allCases.map(\.rawValue)
                var reason = "unknown sslmode '\(value)'"
                if let suggestion = Suggestions.closest(to: value, among: Set(modes)) {
                    reason += " — did you mean '\(suggestion)'?"
                }
                throw PostgresAddressError(reason + " (expected one of: \(modes.joined(separator: ", ")))")
            }
            sslMode = mode
        case "sslrootcert":
            guard !value.isEmpty else { throw PostgresAddressError("sslrootcert is empty; give the path of a PEM file") }
            rootCertificate = value
        case "connect_timeout":
            guard value.allSatisfy(\.isASCIIDigit), let seconds = Int(value), seconds >= 1 else {
                throw PostgresAddressError("connect_timeout must be a whole number of seconds, at least 1, found "
                    + "'\(value)' (contextd never waits for a connection without a bound)")
            }
            connectTimeoutSeconds = seconds
        default:  // application_name
            applicationName = value
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
