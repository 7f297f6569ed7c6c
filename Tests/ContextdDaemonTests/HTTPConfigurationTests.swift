import ContextdDaemon
import ContextdEvents
import ContextdHTTP
import ContextdRules
import Foundation
import Testing

/// The `http` section: what the API serves, to whom, and that its secrets stay out of every
/// message.
@Suite struct HTTPConfigurationTests {
    @Test func aFullSectionSetsEveryValue() throws {
        let configuration = try DaemonConfiguration.load(path: Fixtures.path("http/contextd.yaml")).get()
        let http = configuration.http
        #expect(http.listen == ListenAddress(host: "0.0.0.0", port: 8471))
        #expect(http.assignees == ["queue:fraud", "sales:"])
        #expect(http.lease == .minutes(2))
        #expect(http.maxWait == .seconds(30))
        #expect(http.maxAttempts == 3)
        #expect(http.connections == ConnectionLimits(maxConnections: 64, idleTimeout: .minutes(2), headerTimeout: .seconds(5)))
        #expect(http.tokens == [
            // Read from tokens/fraud-desk beside the file, without the blank lines and spaces around it.
            // Without access: a token is lease, as every token was before levels.
            HTTPSettings.Token(name: "fraud-desk", secret: "fraud-desk-0123456789abcdef", assignees: ["queue:fraud"],
                access: .lease),
            HTTPSettings.Token(name: "sales_crm-2", secret: "sales-crm-0123456789abcdef", assignees: ["sales:", ""],
                access: .admin),
        ])
        #expect(http.consoleHosts == ["contextd.example.internal"])
        #expect(http.tokens[1].description == "token sales_crm-2 (access: admin, assignees: sales:, )")
    }

    @Test(arguments: ["empty.yaml", "http/port-zero.yaml"])
    func leftOutKeysTakeTheSpecsDefaults(_ name: String) throws {
        let http = try DaemonConfiguration.load(path: Fixtures.path(name)).get().http
        #expect(http.assignees == [])
        #expect(http.lease == .seconds(300))
        #expect(http.maxWait == .seconds(60))
        #expect(http.maxAttempts == 5)
        #expect(http.connections == ConnectionLimits(maxConnections: 512, idleTimeout: .seconds(75), headerTimeout: .seconds(60)))
        #expect(http.tokens == [])
        #expect(http.consoleHosts == [])
    }

    @Test func portZeroLetsTheKernelChooseAndLoopbackNeedsNoToken() throws {
        let http = try DaemonConfiguration.load(path: Fixtures.path("http/port-zero.yaml")).get().http
        #expect(http.listen == ListenAddress(host: "localhost", port: 0))
        #expect(http.listen.isLoopback)
    }

    /// `full/contextd.yaml` listens on [::1] and the embedded default on 127.0.0.1, both without tokens.
    @Test func loopbackListenersStartWithoutTokens() throws {
        let full = try DaemonConfiguration.load(path: Fixtures.path("full/contextd.yaml")).get().http
        #expect(full.listen.isLoopback && full.tokens.isEmpty)
        let embedded = DaemonConfiguration.embeddedDefault(workingDirectory: "/srv/ctx").http
        #expect(embedded.listen.isLoopback && embedded.tokens.isEmpty)
    }

    @Test func theShippedExampleConfigurationIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../systemd/contextd.yaml").standardized.path
        let configuration = try DaemonConfiguration.load(path: path).get()
        #expect(configuration.http.listen == ListenAddress(host: "127.0.0.1", port: 8470))
    }

    @Test func noDiagnosticShowsASecret() throws {
        let path = Fixtures.path("bad/token-secrets.yaml")
        guard case .failure(let errors) = DaemonConfiguration.load(path: path) else {
            Issue.record("bad/token-secrets.yaml loaded")
            return
        }
        // One diagnostic per broken token, so that the check below is not vacuous.
        #expect(errors.diagnostics.map { "\($0.line):\($0.column)" } == [
            "6:14", "8:13", "15:14", "19:14", "22:14", "25:7", "29:18", "30:7", "31:65", "33:14", "36:7",
        ], "\(errors)")
        for diagnostic in errors.diagnostics {
            for secret in ["S3cr3t", "3141592653"] {
                #expect(!diagnostic.description.contains(secret), "\(diagnostic)")
            }
        }
        // The caret still points at the (masked) value.
        let duplicate = try #require(errors.diagnostics.first { $0.line == 15 })
        #expect(duplicate.description.hasSuffix("""
                  token: ************************   # the same secret again
                         ^~~~~~~~~~~~~~~~~~~~~~~~
            """))
    }

    @Test func printingTheConfigurationShowsTokenNamesOnly() throws {
        let configuration = try DaemonConfiguration.load(path: Fixtures.path("http/contextd.yaml")).get()
        for text in [String(describing: configuration), String(reflecting: configuration),
            String(describing: configuration.http.tokens)]
        {
            #expect(text.contains("fraud-desk"))
            #expect(!text.contains("0123456789abcdef"), "\(text)")
        }
    }
}
