import ArgumentParser
import ContextdHTTP
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `contextd status [--url U] [--token-file F]`: what a running daemon is doing, from its
/// `GET /v1/status`, as a summary for a terminal. Exit 0 when the daemon is ready, 1 when it
/// is not or cannot be reached (stderr says why), so a script or a health check can use it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what a running daemon is doing (its GET /v1/status); exit 1 when it is not ready.",
        discussion: """
            Lines of the summary:
              contextd  the daemon's version; NOT READY with its reasons when it cannot do its job
              started   when the process started (wall clock, UTC)
              clock     the engine clock (event time), the wall clock, and the lag between them
              events    events taken since start (per second over the last minute), duplicates,
                        rejected lines, late events (behind limits.allowed_lateness) and
                        future events (ahead of limits.max_future_skew) set aside
              spool     each input: files in new/ and cur/, the file being read as done/total
                        lines, files done and rejected in the last hour, the last rejected files
              tasks     tasks by state: pending (of them deferred until not_before), written to
                        the outbox, queued/leased/acked over HTTP (acked by outcome), expired
                        (of them expired on arrival: created already past expires_at), dead
                        letters; outbox: task files in <outbox>/new/ not yet taken
              rules     rules in force and the last load (start or reload), each error as
                        file:line:col: message
              rule      per rule since start: evaluations, matches, tasks, candidates suppressed
                        (by policy, or dedup), run-time errors and the last one
              store     the store's kind and location, size, last commit, last error

            Exit status: 0 ready, 1 not ready or not reachable, 2 bad argument.
            """)

    @Option(name: .long, help: "The daemon's HTTP API (http.listen).")
    var url = "http://127.0.0.1:8470"

    @Option(name: .customLong("token-file"), help: "A file holding a bearer token (http.tokens), when the API needs one.")
    var tokenFile: String?

    @Flag(name: .long, help: "Print the JSON of /v1/status instead of the summary.")
    var json = false

    func validate() throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            parsed.host != nil
        else {
            throw ValidationError("--url must be an http:// or https:// address such as http://127.0.0.1:8470, not '\(url)'")
        }
    }

    func run() async throws {
        let token = try readToken()
        let address = url.hasSuffix("/") ? String(url.dropLast()) : url
        var request = URLRequest(url: URL(string: address + "/v1/status")!, timeoutInterval: 10)
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        let body: Data
        let response: URLResponse
        do {
            (body, response) = try await URLSession.shared.data(for: request)
        } catch {
            StandardError.write("contextd status: cannot reach the daemon at \(address): \(error.localizedDescription) "
                + "(is it running, and is --url its http.listen?)")
            throw ExitStatus.failureFound
        }
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard code == 200 else {
            let hint = code == 401 || code == 403
                ? " (give a token the daemon accepts with --token-file)" : ""
            StandardError.write("contextd status: \(address)/v1/status answered \(code)\(hint): "
                + String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            throw ExitStatus.failureFound
        }
        let report: StatusReport
        do {
            report = try StatusReport(json: body)
        } catch {
            StandardError.write("contextd status: \(address)/v1/status did not answer a status (is it contextd?): \(error)")
            throw ExitStatus.failureFound
        }
        if json {
            print(String(decoding: body, as: UTF8.self), terminator: "")
        } else {
            for line in StatusSummary(report: report).lines { print(line) }
        }
        guard report.ready else {
            StandardError.write("contextd status: not ready: " + report.notReady.joined(separator: "; "))
            throw ExitStatus.failureFound
        }
    }

    /// The token in `--token-file`, without surrounding blanks; a file that cannot be read is a
    /// bad argument.
    private func readToken() throws -> String? {
        guard let tokenFile else { return nil }
        guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
            throw ValidationError("cannot read --token-file \(tokenFile)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("--token-file \(tokenFile) is empty") }
        return token
    }
}
