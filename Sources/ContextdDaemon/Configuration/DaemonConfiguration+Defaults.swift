import ContextdEvents

extension DaemonConfiguration {
    /// The configuration `contextd run` uses without `--config` (SPEC §4): rules from
    /// `./rules`, state in `./var`, one spool `./var/spool/events`, the outbox `./var/outbox`,
    /// HTTP on 127.0.0.1:8470 — each made absolute against `workingDirectory`.
    public static func embeddedDefault(workingDirectory: String) -> DaemonConfiguration {
        defaults(relativeTo: AbsolutePath(absolute: workingDirectory))
    }

    /// The value of every key a configuration file leaves out; paths relative to `base`
    /// (the file's directory, or the working directory for the embedded default).
    static func defaults(relativeTo base: AbsolutePath) -> DaemonConfiguration {
        let dataDirectory = base.appending("var")
        return DaemonConfiguration(
            rules: [base.appending("rules").description],
            dataDirectory: dataDirectory.description,
            inputs: [defaultInput(dataDirectory: dataDirectory)],
            outbox: defaultOutbox(dataDirectory: dataDirectory).description,
            http: HTTPSettings(listen: ListenAddress(host: "127.0.0.1", port: 8470)),
            maxLineBytes: 1 << 20,
            dedupRetention: .days(7),
            maxFutureSkew: .hours(1),
            allowedLateness: .days(7),
            batchEvents: 10_000,
            contextCache: 100_000,
            rescanInterval: .seconds(5),
            watchRules: true,
            reloadDebounce: TimeSpan(milliseconds: 500),
            logFormat: .text,
            logLevel: "info"
        )
    }

    /// One input named `events` at `<data_dir>/spool/events`.
    static func defaultInput(dataDirectory: AbsolutePath) -> Input {
        Input(name: "events", path: dataDirectory.appending("spool").appending("events").description)
    }

    static func defaultOutbox(dataDirectory: AbsolutePath) -> AbsolutePath { dataDirectory.appending("outbox") }
}
