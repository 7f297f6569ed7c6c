import ArgumentParser
import ContextdHTTP
import Foundation

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

    @Option(name: .long, help: "The daemon's HTTP API (http.listen): http://host[:port][/prefix], an IPv6 host in brackets.")
    var url = "http://127.0.0.1:8470"

    @Option(name: .customLong("token-file"), help: "A file holding a bearer token (http.tokens), when the API needs one.")
    var tokenFile: String?

    @Flag(name: .long, help: "Print the JSON of /v1/status instead of the summary.")
    var json = false

    func validate() throws {
        do throws(StatusRequest.AddressProblem) {
            _ = try StatusRequest.target(of: url)
        } catch .https {
            throw ValidationError("--url \(url): the daemon serves plain HTTP and contextd status speaks no TLS; "
                + "give its http:// address, through an SSH tunnel from another machine "
                + "(ssh -L 8470:127.0.0.1:8470 HOST, then --url http://127.0.0.1:8470)")
        } catch {
            throw ValidationError("--url must be an http:// address such as http://127.0.0.1:8470 or http://[::1]:8470, not '\(url)'")
        }
    }

    func run() async throws {
        let token = try readToken()
        let address = url.hasSuffix("/") ? String(url.dropLast()) : url
        let request = StatusRequest(target: try StatusRequest.target(of: url), token: token)
        let response: StatusRequest.Response
        do throws(StatusRequest.Failure) {
            response = try await request.response()
        } catch {
            switch error {
            case .notHTTP, .closedMidAnswer, .tooLarge:
                StandardError.write("contextd status: \(address)/v1/status did not answer a status: \(error) "
                    + "(is --url the daemon's http.listen?)")
            case .cannotConnect, .timedOut, .closedWithoutAnswer:
                StandardError.write("contextd status: cannot reach the daemon at \(address): \(error) "
                    + "(is it running, and is --url its http.listen?)")
            }
            throw ExitStatus.failureFound
        }
        let code = response.status
        let body = response.body
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
