import ContextdEvents
import ContextdHTTP
import ContextdRules
import Yams

/// A token as read from the file, with the nodes that later checks point at.
private struct TokenEntry {
    var token: HTTPSettings.Token
    var nameNode: Node
    var secretNode: Node
}

/// The `http` section: the listener, which tasks are served over HTTP, the lease rules and the
/// bearer tokens (SPEC §3).
///
/// Secrets never reach a message: token problems are read into a scratch document and copied
/// over with every secret masked in the quoted source line, and no message quotes a value that
/// may be a secret.
extension ConfigurationParser {
    static let httpKeys = [
        "listen", "assignees", "lease", "max_wait", "max_attempts", "tokens", "max_connections", "idle_timeout",
        "header_timeout", "console_hosts",
    ]
    static let tokenKeys = ["name", "token", "token_file", "assignees", "access"]
    /// Shorter secrets can be guessed by a caller that tries them one after another.
    static let minimumTokenLength = 16

    func readHTTP(of root: ConfigurationMapping, into configuration: inout DaemonConfiguration) {
        guard let http = section("http", of: root, allowed: Self.httpKeys) else { return }
        var settings = configuration.http
        let listen = http.listenAddress("listen")
        if let listen { settings.listen = listen }
        if let assignees = http.strings("assignees", allowEmpty: true, example: #"["queue:fraud", "sales:"]"#) {
            settings.assignees = assignees
        }
        if let span = http.duration("lease", atLeast: .seconds(1)) { settings.lease = span }
        if let span = http.duration("max_wait", atLeast: .seconds(1)) { settings.maxWait = span }
        if let count = http.count("max_attempts", minimum: 1) { settings.maxAttempts = count }
        if let tokens = http["tokens"] { settings.tokens = readTokens(tokens) }
        if let count = http.count("max_connections", minimum: 1) { settings.connections.maxConnections = count }
        if let span = http.duration("idle_timeout", atLeast: .seconds(1)) { settings.connections.idleTimeout = span }
        if let span = http.duration("header_timeout", atLeast: .seconds(1)) { settings.connections.headerTimeout = span }
        if let hosts = http.strings("console_hosts", allowEmpty: true, example: #"["contextd.example.internal"]"#) {
            settings.consoleHosts = hosts
        }
        if let listen, let node = http["listen"], !http.wasSuggested("tokens") {
            checkExposure(listen, at: node, tokens: http["tokens"])
        }
        configuration.http = settings
    }

    /// Refuses an open API on a network interface: without tokens every request is served, which
    /// SPEC §3 allows only when nothing but this machine can connect.
    private func checkExposure(_ listen: ListenAddress, at node: Node, tokens: Node?) {
        guard !listen.isLoopback else { return }
        if let tokens {
            // Tokens that were given but are wrong have been reported on their own.
            guard case .sequence(let items) = tokens, items.isEmpty else { return }
        }
        document.report(at: node,
            "'http.listen' \(listen) is not loopback, so 'http.tokens' must give at least one token (or listen on "
                + "127.0.0.1): without a token, anyone who can reach the port could lease and acknowledge tasks")
    }

    /// The valid tokens of `http.tokens`; the others are reported.
    ///
    /// A diagnostic quotes its source line, and a token's line holds its secret; so the tokens
    /// are read into a scratch document, whose diagnostics are copied over with the secrets masked.
    private func readTokens(_ value: Node) -> [HTTPSettings.Token] {
        let scratch = ConfigurationDocument(path: document.path, text: "")
        let reader = ConfigurationParser(document: scratch, base: base)
        let entries = reader.tokenEntries(value)
        reader.checkUnique(entries)
        let secrets = Self.secretNodes(in: value)
        for diagnostic in scratch.diagnostics {
            var masked = diagnostic
            masked.sourceLine = document.sourceLine(diagnostic.line).map {
                Self.masking(secrets, in: $0, line: diagnostic.line)
            }
            document.report(masked)
        }
        return entries.map(\.token)
    }

    private func tokenEntries(_ value: Node) -> [TokenEntry] {
        guard case .sequence(let items) = value else {
            document.report(at: value,
                "expected a list of tokens, each with 'name', 'token_file' (or 'token') and 'assignees', for "
                    + "'http.tokens', found \(Self.foundWithoutSecret(value))")
            return []
        }
        return items.enumerated().compactMap { token($1, number: $0 + 1) }
    }

    private func token(_ node: Node, number: Int) -> TokenEntry? {
        let what = Self.peekName(node).map { "token '\($0)'" } ?? "token \(number)"
        let expected = "a mapping with 'name', 'token_file' (or 'token') and 'assignees'"
        if node.scalarText != nil {
            document.report(at: node, "expected \(expected) for \(what), found a single value")
            return nil
        }
        guard let mapping = ConfigurationMapping(node, in: document, what: what, expected: expected,
            allowed: Self.tokenKeys, label: { "'\($0)' of \(what)" })
        else { return nil }
        let name = mapping.required("name", what: what).flatMap { _ in
            checkedName(mapping, of: "token", example: "fraud-desk", appearsIn: "the name appears in logs instead of the secret")
        }
        let secret = tokenSecret(mapping, what: what)
        let assignees = mapping.required("assignees", what: what).flatMap { _ in
            mapping.strings("assignees", allowEmpty: false, example: #"["queue:fraud"] (or [""] for every assignee)"#)
        }
        // Without `access:` a token is `lease`, what every token could do before levels existed.
        let access = mapping["access"] == nil ? AccessLevel.lease : mapping.choice("access", of: AccessLevel.self)
        guard let name, let secret, let assignees, let access else { return nil }
        return TokenEntry(
            token: HTTPSettings.Token(name: name.text, secret: secret.text, assignees: assignees, access: access),
            nameNode: name.node, secretNode: secret.node)
    }

    /// The secret, written inline as `token` or read from the file `token_file` names: exactly one.
    private func tokenSecret(_ mapping: ConfigurationMapping, what: String) -> (text: String, node: Node)? {
        switch (mapping["token"], mapping["token_file"]) {
        case (let inline?, let file?):
            let later = (inline.mark?.line ?? 0, inline.mark?.column ?? 0) > (file.mark?.line ?? 0, file.mark?.column ?? 0)
            document.report(at: later ? inline : file, "\(what) gives both 'token' and 'token_file'; give exactly one")
            return nil
        case (let inline?, nil):
            guard let text = inline.scalarText else {
                mapping.mismatch(inline, key: "token", expected: "the token as a string")
                return nil
            }
            return checkedSecret(text, at: inline, source: "the 'token' of \(what)")
        case (nil, .some):
            return secretFromFile(mapping, what: what)
        case (nil, nil):
            let misspelt = ["token", "token_file"].contains(where: mapping.wasSuggested)
            if !misspelt {
                document.report(at: mapping.node, "\(what) has neither 'token' nor 'token_file'; give exactly one "
                    + "('token_file' keeps the secret out of this file)")
            }
            return nil
        }
    }

    /// The secret in the file `token_file` names, without the whitespace and line break around it.
    private func secretFromFile(_ mapping: ConfigurationMapping, what: String) -> (text: String, node: Node)? {
        guard let (path, node) = mapping.path("token_file", base: base) else { return nil }
        switch TextFile.contents(of: path.description) {
        case .failure(let problem):
            document.report(at: node, "cannot read the token file \(path) of \(what): \(problem.reason)")
            return nil
        case .success(let text):
            let secret = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
            guard !secret.isEmpty else {
                document.report(at: node, "the token file \(path) of \(what) is empty; put the token in it")
                return nil
            }
            return checkedSecret(secret, at: node, source: "the token in \(path) (\(what))")
        }
    }

    /// The secret when a client can send it and nobody can guess it; otherwise nil (reported
    /// without the secret).
    private func checkedSecret(_ secret: String, at node: Node, source: String) -> (text: String, node: Node)? {
        let advice = "generate one with `openssl rand -hex 32`"
        if !secret.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) {
            document.report(at: node, "\(source) contains whitespace, a control character or a non-ASCII character; "
                + "a bearer token must be printable ASCII without spaces (\(advice))")
        } else if secret.count < Self.minimumTokenLength {
            document.report(at: node, "\(source) is shorter than \(Self.minimumTokenLength) characters, so it could "
                + "be guessed; use at least \(Self.minimumTokenLength) random characters (\(advice))")
        } else {
            return (secret, node)
        }
        return nil
    }

    /// Token names identify callers in logs; a shared secret would make two callers one.
    private func checkUnique(_ entries: [TokenEntry]) {
        var names: [String: TokenEntry] = [:]
        var secrets: [String: TokenEntry] = [:]
        for entry in entries {
            if let earlier = names[entry.token.name] {
                document.report(at: entry.nameNode, "duplicate token name '\(entry.token.name)' (first used on line "
                    + "\(earlier.nameNode.mark?.line ?? 1)); token names must be unique")
            } else {
                names[entry.token.name] = entry
            }
            if let earlier = secrets[entry.token.secret] {
                document.report(at: entry.secretNode, "token '\(entry.token.name)' has the same secret as token "
                    + "'\(earlier.token.name)' (line \(earlier.secretNode.mark?.line ?? 1)); give each client its "
                    + "own token, so that the logs tell them apart and one can be revoked alone")
            } else {
                secrets[entry.token.secret] = entry
            }
        }
    }

    /// What a misplaced value is, without quoting a scalar that may be a secret.
    private static func foundWithoutSecret(_ node: Node) -> String {
        node.scalarText == nil ? node.found : "a single value"
    }

    /// Every value under `http.tokens` that may be a secret: all but names, paths, assignees and access levels,
    /// misspelt keys' values included.
    private static func secretNodes(in node: Node) -> [Node] {
        switch node {
        case .scalar: return node.scalarText?.isEmpty == false ? [node] : []
        case .sequence(let items): return items.flatMap { secretNodes(in: $0) }
        case .mapping(let mapping):
            return mapping.flatMap { key, value in
                ["name", "token_file", "assignees", "access"].contains(key.scalarText ?? "") ? [] : secretNodes(in: value)
            }
        case .alias: return []
        }
    }

    /// Source line number `line` with each secret replaced by as many asterisks, so that a caret
    /// still points at its column and the rest of the line (a comment, a neighbour in a flow
    /// mapping) stays readable. A secret is masked where it starts, as written (quotes and
    /// escapes included), and each word of it wherever it appears (a block scalar's lines).
    private static func masking(_ secrets: [Node], in text: String, line: Int) -> String {
        var characters = Array(text)
        for secret in secrets {
            guard case .scalar(let scalar) = secret, let mark = secret.mark, mark.line == line,
                mark.column - 1 < characters.count,
                let length = writtenLength(of: scalar, in: characters, from: mark.column - 1)
            else { continue }
            let end = min(characters.count, mark.column - 1 + length)
            for index in (mark.column - 1)..<end { characters[index] = "*" }
        }
        var masked = String(characters)
        for secret in secrets {
            for word in (secret.scalarText ?? "").split(whereSeparator: \.isWhitespace) where word.count >= 4 {
                masked = masked.replacing(word, with: String(repeating: "*", count: word.count))
            }
        }
        return masked
    }

    /// How many characters the scalar starting at `start` takes on its line: its text when plain,
    /// up to the closing quote when quoted; nil for a block scalar, written on the lines below.
    private static func writtenLength(of scalar: Node.Scalar, in line: [Character], from start: Int) -> Int? {
        switch scalar.style {
        case .plain:
            return scalar.string.count
        case .singleQuoted, .doubleQuoted:
            let quote = line[start]
            var index = start + 1
            while index < line.count {
                if line[index] == "\\" && quote == "\"" {
                    index += 2
                } else if line[index] == quote && quote == "'" && index + 1 < line.count && line[index + 1] == "'" {
                    index += 2
                } else if line[index] == quote {
                    return index - start + 1
                } else {
                    index += 1
                }
            }
            return line.count - start
        default:
            return nil
        }
    }
}
