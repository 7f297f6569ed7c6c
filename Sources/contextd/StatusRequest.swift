import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `GET <url>/v1/status` for `contextd status`: one HTTP/1.1 request on SwiftNIO, which the
/// daemon's server already links, rather than Foundation's URLSession, whose
/// FoundationNetworking would bring libcurl and its ~30 libraries into every subcommand. Plain
/// HTTP only, as the daemon serves it; the whole exchange within ``timeout``.
struct StatusRequest: Sendable {
    /// Where the request goes, from `--url http://host[:port][/prefix]`.
    struct Target: Sendable, Equatable {
        /// The host to connect to: a name or an address, an IPv6 one without its brackets.
        var host: String
        var port: Int
        /// `host[:port]` as written in the URL (an IPv6 host in brackets): the `Host` header.
        var authority: String
        /// The path of the request: the URL's prefix, if any, then `/v1/status`.
        var path: String
    }

    /// Why `--url` is not a target.
    enum AddressProblem: Error, Equatable {
        /// `https://`: the daemon serves plain HTTP, and this client speaks no TLS.
        case https
        /// Not `http://host[:port][/prefix]`.
        case malformed
    }

    /// What went wrong on the way to an answer, worded to follow "cannot reach the daemon at
    /// <url>: " or "<url>/v1/status ".
    enum Failure: Error, Equatable {
        /// No connection: refused, no route, a name that does not resolve, no connection in time.
        case cannotConnect(String)
        /// No whole answer within ``StatusRequest/timeout``.
        case timedOut(seconds: Int64)
        /// The server closed the connection before the head of an answer.
        case closedWithoutAnswer
        /// The server closed the connection after the head, before the end of the body.
        case closedMidAnswer
        /// Bytes came back that are not an HTTP/1.1 response.
        case notHTTP(String)
        /// A body beyond ``StatusRequest/maximumBody``.
        case tooLarge(Int)
    }

    /// The status code and the whole body of the answer.
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// Bodies larger than this are refused (a status report of thousands of rules is a few MB).
    static let maximumBody = 64 << 20

    var target: Target
    /// The bearer token for `Authorization`, if the API needs one.
    var token: String?
    var timeout: TimeAmount = .seconds(10)

    /// The target of `url`: `http://host[:port][/prefix]`, a trailing `/` of the prefix
    /// dropped, an IPv6 host in brackets, port 80 when none is given.
    static func target(of url: String) throws(AddressProblem) -> Target {
        let lowered = url.lowercased()
        if lowered.hasPrefix("https://") { throw .https }
        guard lowered.hasPrefix("http://") else { throw .malformed }
        let rest = url.dropFirst("http://".count)
        // Printable ASCII without a space, no query, fragment or user information: what a
        // request target and a Host header can carry as they are.
        guard rest.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && !"?#@\\".unicodeScalars.contains($0) })
        else { throw .malformed }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        var prefix = String(rest[slash...])
        if prefix.hasSuffix("/") { prefix.removeLast() }
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed }
            host = authority[authority.index(after: authority.startIndex)..<close]
            guard host.contains(":") else { throw .malformed }
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else {
                guard after.hasPrefix(":") else { throw .malformed }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw .malformed }  // an IPv6 address without its brackets
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else { throw .malformed }
        var port = 80
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), let number = Int(portText),
                (1...65_535).contains(number)
            else { throw .malformed }
            port = number
        }
        return Target(host: String(host), port: port, authority: authority, path: prefix + "/v1/status")
    }

    /// Sends the request and reads the whole answer, within ``timeout``.
    func response() async throws(Failure) -> Response {
        let timeout = timeout
        do {
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask { try await exchange() }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeout.nanoseconds))
                    throw Failure.timedOut(seconds: timeout.nanoseconds / 1_000_000_000)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Self.failure(error)
        }
    }

    /// Connect, send the request, read until the end of the answer; the connection closed after.
    private func exchange() async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.authority)
        headers.add(name: "User-Agent", value: "contextd-status")
        headers.add(name: "Accept", value: "application/json")
        if let token { headers.add(name: "Authorization", value: "Bearer " + token) }
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status: Int?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let head):
                    // An informational answer (1xx) precedes the real one.
                    if head.status.code >= 200 { status = Int(head.status.code) }
                case .body(let chunk):
                    guard status != nil else { continue }
                    body += chunk.readableBytesView
                    guard body.count <= Self.maximumBody else { throw Failure.tooLarge(Self.maximumBody) }
                case .end:
                    guard let status else { continue }
                    return Response(status: status, body: body)
                }
            }
            throw status == nil ? Failure.closedWithoutAnswer : Failure.closedMidAnswer
        }
    }

    /// What an error of NIO says, as a ``Failure``.
    static func failure(_ error: any Error) -> Failure {
        switch error {
        case let failure as Failure:
            return failure
        case HTTPParserError.invalidEOFState:
            return .closedMidAnswer  // the end of the stream inside a body of known length
        case let parser as HTTPParserError:
            return .notHTTP("\(parser)")
        case ChannelError.connectTimeout(let amount):
            return .cannotConnect("no connection within \(amount.nanoseconds / 1_000_000_000) s")
        case let connection as NIOConnectionError:
            if let first = connection.connectionErrors.first { return failure(first.error) }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return .cannotConnect("cannot resolve '\(connection.host)'")
            }
            return .cannotConnect("no address for '\(connection.host)'")
        case ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.outputClosed, ChannelError.eof:
            // The server closed the connection before the request was written out.
            return .closedWithoutAnswer
        case let io as IOError where io.errnoCode == ECONNRESET || io.errnoCode == EPIPE:
            return .closedWithoutAnswer
        case let io as IOError:
            return .cannotConnect(String(cString: strerror(io.errnoCode)).lowercased())
        case is CancellationError:
            return .cannotConnect("cancelled")
        default:
            return .cannotConnect("\(error)")
        }
    }
}

extension StatusRequest.Failure: CustomStringConvertible {
    var description: String {
        switch self {
        case .cannotConnect(let reason): reason
        case .timedOut(let seconds): "no answer within \(seconds) s"
        case .closedWithoutAnswer: "it closed the connection and did not answer"
        case .closedMidAnswer: "the connection closed before the end of the answer"
        case .notHTTP(let detail): "the answer is not HTTP (\(detail))"
        case .tooLarge(let limit): "the answer is larger than \(limit) bytes"
        }
    }
}
