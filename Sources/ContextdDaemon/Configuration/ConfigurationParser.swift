import ContextdEvents
import Yams

/// Turns a configuration file's YAML tree into a `DaemonConfiguration`, reporting every
/// problem into the document.
///
/// Each key that is absent keeps its default; each key that is wrong is reported and also
/// keeps its default, so that reading goes on and the operator sees all problems in one go.
/// The result is only used when the document has no diagnostics.
struct ConfigurationParser {
    let document: ConfigurationDocument
    /// The directory of the configuration file: relative paths and defaults start there.
    let base: AbsolutePath

    static let rootKeys = ["rules", "data_dir", "inputs", "outbox", "http", "limits", "reload", "log", "cluster"] + storeKeys
    static let limitsKeys = [
        "max_line_bytes", "dedup_retention", "batch_events", "context_cache", "rescan_interval", "max_future_skew",
        "allowed_lateness",
    ]
    static let reloadKeys = ["watch", "debounce", "allow_empty"]
    static let logKeys = ["format", "level"]

    func parse() -> DaemonConfiguration {
        var configuration = DaemonConfiguration.defaults(relativeTo: base)
        guard let node = document.root, !node.isNull,
            let root = ConfigurationMapping(node, in: document, what: "the configuration",
                expected: "a mapping of settings", allowed: Self.rootKeys, label: { "'\($0)'" })
        else { return configuration }

        if let rules = root.paths("rules", base: base) { configuration.rules = rules.map(\.description) }
        let dataDirectory = root.path("data_dir", base: base)
        let dataPath = dataDirectory?.path ?? AbsolutePath(absolute: configuration.dataDirectory)
        configuration.dataDirectory = dataPath.description
        let outbox = root.path("outbox", base: base)
        let outboxPath = outbox?.path ?? DaemonConfiguration.defaultOutbox(dataDirectory: dataPath)
        configuration.outbox = outboxPath.description
        let inputs = root["inputs"].map { readInputs($0, of: root) }
            ?? [SpoolInput(input: DaemonConfiguration.defaultInput(dataDirectory: dataPath))]
        configuration.inputs = inputs.map(\.input)

        readHTTP(of: root, into: &configuration)
        readLimits(of: root, into: &configuration)
        readReload(of: root, into: &configuration)
        readLog(of: root, into: &configuration)
        readStore(of: root, into: &configuration)
        readCluster(of: root, into: &configuration)

        SpoolLayout(document: document, inputs: inputs,
            dataDirectory: (dataPath, dataDirectory?.node), outbox: (outboxPath, outbox?.node)).check()
        return configuration
    }

    /// The mapping under `key`, nil when absent or not a mapping (reported).
    func section(_ key: String, of root: ConfigurationMapping, allowed: [String]) -> ConfigurationMapping? {
        guard let node = root[key] else { return nil }
        return ConfigurationMapping(node, in: document, what: "'\(key)'", expected: "a mapping", allowed: allowed,
            label: { "'\(key).\($0)'" })
    }

    private func readLimits(of root: ConfigurationMapping, into configuration: inout DaemonConfiguration) {
        guard let limits = section("limits", of: root, allowed: Self.limitsKeys) else { return }
        if let bytes = limits.size("max_line_bytes") { configuration.maxLineBytes = bytes }
        if let span = limits.duration("dedup_retention") { configuration.dedupRetention = span }
        if let count = limits.count("batch_events", minimum: 1) { configuration.batchEvents = count }
        if let count = limits.count("context_cache", minimum: 1) { configuration.contextCache = count }
        if let span = limits.duration("rescan_interval") { configuration.rescanInterval = span }
        if let span = limits.duration("max_future_skew", allowZero: true) { configuration.maxFutureSkew = span }
        if let span = limits.duration("allowed_lateness", allowZero: true) { configuration.allowedLateness = span }
        // A late event's duplicate must still be recognised: its dedup record outlives its lateness.
        if configuration.allowedLateness > configuration.dedupRetention,
            let node = limits["allowed_lateness"] ?? limits["dedup_retention"]
        {
            document.report(at: node, "'limits.allowed_lateness' (\(configuration.allowedLateness)) must not be longer "
                + "than 'limits.dedup_retention' (\(configuration.dedupRetention)): a late event's duplicate would no "
                + "longer be recognised; lower the one or raise the other")
        }
    }

    private func readReload(of root: ConfigurationMapping, into configuration: inout DaemonConfiguration) {
        guard let reload = section("reload", of: root, allowed: Self.reloadKeys) else { return }
        if let watch = reload.bool("watch") { configuration.watchRules = watch }
        if let span = reload.duration("debounce", allowZero: true) { configuration.reloadDebounce = span }
        if let allowed = reload.bool("allow_empty") { configuration.allowEmptyRules = allowed }
    }

    private func readLog(of root: ConfigurationMapping, into configuration: inout DaemonConfiguration) {
        guard let log = section("log", of: root, allowed: Self.logKeys) else { return }
        if let format = log.choice("format", of: LogFormat.self) { configuration.logFormat = format }
        if let level = log.choice("level", among: DaemonConfiguration.logLevels) { configuration.logLevel = level }
    }
}
