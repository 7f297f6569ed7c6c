import ContextdDaemon
import ContextdRules
import Testing

/// Bad configuration files: each mistake located to the character, in words that say what was
/// expected.
@Suite struct ConfigurationErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var position: String
        var words: [String]
        init(_ file: String, _ position: String, _ words: String...) {
            self.file = file
            self.position = position
            self.words = words
        }
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case("unknown-key.yaml", "2:1", "unknown field 'inptus' in the configuration — did you mean 'inputs'?"),
        Case("unknown-key-no-suggestion.yaml", "2:3", "unknown field 'turbo' in 'limits'", "expected one of: max_line_bytes,"),
        Case("duplicate-key.yaml", "2:1", "duplicate field 'data_dir' (first given on line 1)"),
        Case("alias-bomb.yaml", "8:10", "alias '*e' expands to 66,430 nodes, taking this file's aliases past 100,000"),
        Case("wrong-type.yaml", "1:9", "expected a list of inputs for 'inputs', found a string '/srv/spool/cards'"),
        Case("wrong-section-type.yaml", "1:9", "expected a mapping for 'limits', found the number 5"),
        Case("null-section.yaml", "1:6", "expected a mapping for 'http', found nothing", "remove the key"),
        Case("wrong-root.yaml", "1:1", "expected a mapping of settings for the configuration, found a list"),
        Case("input-not-mapping.yaml", "2:5", "expected a mapping with 'name' and 'path' for input 1, found a string"),
        Case("empty-inputs.yaml", "1:9", "'inputs' is an empty list"),
        Case("bad-kind.yaml", "4:11", "invalid value 'dat' for 'kind' of input 'cards' — did you mean 'data'?",
            "expected one of: data, process"),
        Case("bad-on-done.yaml", "4:14", "invalid value 'archive' for 'on_done' of input 'cards'",
            "expected one of: move, delete"),
        Case("bad-name.yaml", "2:11", "invalid input name 'Cards Feed'", "lowercase letters, digits"),
        Case("missing-path.yaml", "2:5", "input 'cards' is missing the required field 'path'"),
        Case("misspelt-required.yaml", "3:5", "unknown field 'paht' in input 'cards' — did you mean 'path'?"),
        Case("duplicate-name.yaml", "4:11", "duplicate input name 'cards' (first used on line 2)"),
        Case("duplicate-path.yaml", "5:11", "duplicate spool path: input 'crm' uses the directory of input 'cards'",
            "/srv/spool/cards, line 3"),
        Case("nested-spools.yaml", "5:11", "the spool of input 'crm' (/srv/spool/crm) is inside the spool of input 'cards'",
            "must not nest"),
        Case("nesting-spools.yaml", "5:11", "the spool of input 'all' (/srv/spool) contains the spool of input 'crm'"),
        Case("outbox-in-spool.yaml", "1:9", "the outbox (/srv/spool/cards/outbox) is inside the spool of input 'cards'"),
        Case("spool-in-outbox.yaml", "4:11", "the spool of input 'cards' (/srv/out/new) is inside the outbox"),
        Case("data-dir-in-spool.yaml", "1:11", "data_dir (/srv/spool/cards/state) is inside the spool of input 'cards'"),
        Case("tilde-path.yaml", "1:11", "'~' is not expanded in 'data_dir'"),
        Case("bad-size.yaml", "2:19", "invalid size for 'limits.max_line_bytes'", "unknown size unit 'megs'", "MiB"),
        Case("zero-size.yaml", "2:19", "'limits.max_line_bytes' must be more than zero bytes"),
        Case("bad-duration.yaml", "2:20", "expected a duration such as", "for 'limits.dedup_retention', found '7 days'"),
        Case("unitless-duration.yaml", "2:20", "for 'limits.rescan_interval', found '5'", "a number needs a unit"),
        Case("zero-batch.yaml", "2:17", "'limits.batch_events' must be at least 1, found 0"),
        Case("bad-bool.yaml", "2:10", "expected true or false for 'reload.watch', found a string 'sometimes'"),
        Case("bad-listen.yaml", "2:11", "invalid address 'localhost' for 'http.listen': the port is missing", "host:port"),
        Case("bad-port.yaml", "2:11", "the port must be a whole number from 0 to 65535 (0 = any free port), got '70000'"),
        Case("unbracketed-ipv6.yaml", "2:11", "an IPv6 address must be written in brackets"),
        Case("http-unknown-key.yaml", "2:3", "unknown field 'max_wiat' in 'http' — did you mean 'max_wait'?"),
        Case("lease-too-short.yaml", "2:10", "'http.lease' must be at least 1s, found '500ms'"),
        Case("max-wait-zero.yaml", "2:13", "'http.max_wait' must be at least 1s, found '0s'"),
        Case("max-attempts-zero.yaml", "2:17", "'http.max_attempts' must be at least 1, found 0"),
        Case("assignees-not-list.yaml", "2:14", #"expected a list such as ["queue:fraud", "sales:"] for 'http.assignees'"#,
            "found a string 'queue:fraud'"),
        Case("assignees-not-strings.yaml", "2:30", "expected a string for entry 2 of 'http.assignees', found the number 5",
            #"quote it: "5""#),
        Case("assignee-unquoted-colon.yaml", "3:7", "expected a string for entry 1 of 'http.assignees', found a mapping",
            #"such as "sales:""#),
        Case("exposed-any.yaml", "2:11", "'http.listen' 0.0.0.0:8470 is not loopback, so 'http.tokens' must give at "
            + "least one token (or listen on 127.0.0.1)", "anyone who can reach the port"),
        Case("exposed-ipv6-any.yaml", "2:11", "'http.listen' [::]:8470 is not loopback"),
        Case("exposed-lan.yaml", "2:11", "'http.listen' 10.1.2.3:8470 is not loopback"),
        Case("exposed-hostname.yaml", "2:11", "'http.listen' example.org:8470 is not loopback"),
        Case("exposed-empty-tokens.yaml", "2:11", "'http.listen' 0.0.0.0:8470 is not loopback"),
        Case("exposed-misspelt-tokens.yaml", "3:3", "unknown field 'tokns' in 'http' — did you mean 'tokens'?"),
        Case("token-short.yaml", "4:14", "the 'token' of token 'fraud-desk' is shorter than 16 characters, so it could "
            + "be guessed", "openssl rand -hex 32"),
        Case("token-bad-characters.yaml", "4:14", "the 'token' of token 'fraud-desk' contains whitespace",
            "printable ASCII without spaces"),
        Case("token-both.yaml", "5:19", "token 'fraud-desk' gives both 'token' and 'token_file'; give exactly one"),
        Case("token-neither.yaml", "3:7", "token 'fraud-desk' has neither 'token' nor 'token_file'; give exactly one"),
        Case("token-misspelt.yaml", "4:7", "unknown field 'tokn_file' in token 'fraud-desk' — did you mean 'token_file'?"),
        Case("token-access-misspelt.yaml", "6:15", "invalid value 'admn' for 'access' of token 'fraud-desk' — did you "
            + "mean 'admin'? (expected one of: read, lease, admin)"),
        Case("token-file-missing.yaml", "4:19", "cannot read the token file " + Fixtures.path("bad/tokens/nope")
            + " of token 'fraud-desk': No such file or directory"),
        Case("token-file-empty.yaml", "4:19", "the token file " + Fixtures.path("bad/tokens/empty")
            + " of token 'fraud-desk' is empty"),
        Case("token-file-directory.yaml", "4:19", "cannot read the token file " + Fixtures.path("bad/tokens"),
            "it is a directory, not a file"),
        Case("token-duplicate-name.yaml", "6:13", "duplicate token name 'fraud-desk' (first used on line 3)"),
        Case("token-duplicate-secret.yaml", "7:14", "token 'sales-crm' has the same secret as token 'fraud-desk' (line 4)"),
        Case("token-bad-name.yaml", "3:13", "invalid token name 'Fraud Desk'", "lowercase letters, digits"),
        Case("token-missing-assignees.yaml", "3:7", "token 'fraud-desk' is missing the required field 'assignees'"),
        Case("token-empty-assignees.yaml", "5:18", "'assignees' of token 'fraud-desk' is an empty list",
            #"or [""] for every assignee"#),
        Case("tokens-not-list.yaml", "2:11", "expected a list of tokens", "for 'http.tokens', found a single value"),
        Case("token-not-mapping.yaml", "3:7", "for token 1, found a single value"),
        Case("bad-format.yaml", "2:11", "invalid value 'jsno' for 'log.format' — did you mean 'json'?"),
        Case("bad-level.yaml", "2:10", "invalid value 'verbose' for 'log.level'",
            "expected one of: trace, debug, info, notice, warning, error, critical"),
        Case("yaml-syntax.yaml", "4:4", "invalid YAML: did not find expected ',' or ']'", "flow sequence at line 3, column 11"),
        Case("tab-indent.yaml", "2:1", "invalid YAML", "not tabs"),
    ]

    @Test(arguments: cases) func reportsTheMistakeWhereItIs(_ bad: Case) throws {
        let path = Fixtures.path("bad/" + bad.file)
        let errors = try #require(failure(DaemonConfiguration.load(path: path)))
        #expect(errors.diagnostics.count == 1, "\(errors)")
        let diagnostic = try #require(errors.diagnostics.first)
        #expect(diagnostic.file == path)
        #expect("\(diagnostic.line):\(diagnostic.column)" == bad.position, "\(diagnostic)")
        for words in bad.words {
            #expect(diagnostic.message.contains(words), "\(diagnostic.message)")
        }
    }

    @Test func aMissingFileIsLocatedAtItsStart() throws {
        let errors = try #require(failure(DaemonConfiguration.load(path: "no/such/contextd.yaml")))
        #expect(errors.description == "no/such/contextd.yaml:1:1: error: cannot read the configuration file: "
            + "No such file or directory")
    }

    @Test func aDirectoryIsNotAConfigurationFile() throws {
        let errors = try #require(failure(DaemonConfiguration.load(path: Fixtures.path("full"))))
        #expect(errors.diagnostics.map(\.message) == ["cannot read the configuration file: it is a directory, not a file"])
    }

    @Test func everyProblemOfAFileIsReportedInLineOrder() throws {
        let errors = try #require(failure(DaemonConfiguration.load(path: Fixtures.path("bad/many-problems.yaml"))))
        #expect(errors.diagnostics.map { "\($0.line):\($0.column)" } == ["2:1", "4:17", "6:10"])
        #expect(errors.diagnostics.map(\.message) == [
            "unknown field 'inptus' in the configuration — did you mean 'inputs'?",
            "expected a whole number for 'limits.batch_events', found a string 'lots'",
            "invalid value 'verbose' for 'log.level' (expected one of: trace, debug, info, notice, warning, error, critical)",
        ])
    }

    @Test func printsCompilerStyleWithTheLineAndACaret() throws {
        let path = Fixtures.path("bad/bad-kind.yaml")
        let errors = try #require(failure(DaemonConfiguration.load(path: path)))
        #expect(errors.description == """
            \(path):4:11: error: invalid value 'dat' for 'kind' of input 'cards' — did you mean 'data'? \
            (expected one of: data, process)
                kind: dat
                      ^~~
            """)
    }

    private func failure(_ result: Result<DaemonConfiguration, ConfigurationErrors>) -> ConfigurationErrors? {
        if case .failure(let errors) = result { return errors }
        return nil
    }
}
