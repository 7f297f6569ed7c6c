import ArgumentParser
import ContextdDaemon
import ContextdEngine
import ContextdRules
import ContextdStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `contextd run [--config FILE]`: the daemon. Without a config it runs on the embedded
/// default: rules from ./rules, state in ./var, one spool ./var/spool/events, the outbox
/// ./var/outbox, HTTP on 127.0.0.1:8470 (docs/operations.md, "Configure").
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: spools in, rules, tasks out to the outbox and the HTTP API.",
        discussion: """
            Without --config the daemon runs on its embedded default, in the working directory: \
            rules from ./rules, state in ./var, one spool ./var/spool/events, the outbox \
            ./var/outbox, HTTP on 127.0.0.1:8470 with every task written to the outbox. \
            docs/operations.md is the operator's guide: the configuration reference, the \
            directories, logs, signals and recovery; docs/consuming.md the HTTP API.
            """
    )

    @Option(name: .long, help: "The configuration file (YAML; its relative paths start at its directory).")
    var config: String?

    func run() async throws {
        // A log pipe whose reader went away must not end the daemon: the write fails with
        // EPIPE instead, and the line is dropped and counted (``LogSink``).
        signal(SIGPIPE, SIG_IGN)
        let configuration = try ConfigurationArgument.load(config)
        let format: LineLogHandler.Format = configuration.logFormat == .json ? .json : .text
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "contextd")

        // One data directory, one daemon (SPEC §8): a second one stops here, before it reads
        // the rules, opens the store or binds the listener.
        let lock: DataDirectoryLock
        do {
            lock = try DataDirectoryLock(dataDirectory: configuration.dataDirectory)
        } catch let held as DataDirectoryLock.Held {
            StandardError.write("contextd: \(held); not starting")
            throw ExitStatus.configuration
        }
        if let file = configuration.store.localFile, lock.lostStore(file) {
            StandardError.write("contextd: no store at \(file), but the daemon that ran on this data "
                + "directory before had one there: starting would begin from an empty store, without the contexts, "
                + "timers, dedup records and tasks it held. Restore the store from a backup; or, to start empty on "
                + "purpose, delete \(lock.path); not starting")
            throw ExitStatus.configuration
        }

        // The first rule load decides whether the daemon starts: it never runs without rules.
        let ruleSet: RuleSet
        let (result, warnings) = RuleLoader.check(paths: configuration.rules)
        switch result {
        case .success(let loaded):
            ruleSet = loaded
            Daemon.log(warnings, to: logger)
        case .failure(let failure):
            StandardError.write(failure.description)
            StandardError.write("contextd: the rules have \(failure.diagnostics.count) error(s); not starting")
            throw ExitStatus.configuration
        }
        if let refusal = configuration.emptyRulesRefusal(ruleSet) {
            StandardError.write("contextd: \(refusal); not starting")
            throw ExitStatus.configuration
        }
        var daemon = Daemon(configuration: configuration, ruleSet: ruleSet, lock: lock, logger: logger)
        daemon.version = ContextdVersion.text
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let failure as DatabaseOpenFailure where failure.isConfigurationProblem {
            StandardError.write("contextd: \(failure); not starting")
            throw ExitStatus.configuration
        } catch let refusal as NodeLogRefusal {
            StandardError.write("contextd: \(refusal); not starting")
            throw ExitStatus.configuration
        } catch let refusal as ClusterRefusal {
            if case .superseded = refusal {
                logger.critical("stopped: \(refusal)")
                throw ExitStatus.temporaryFailure
            }
            StandardError.write("contextd: \(refusal); not starting")
            throw ExitStatus.configuration
        } catch let fenced as FencedOut {
            // Paused past its lease (or cut off from PostgreSQL that long): its partitions went to
            // other nodes. Nothing of the refused commit was written; systemd starts it again and
            // it rejoins.
            logger.critical("stopped: \(fenced)")
            throw ExitStatus.temporaryFailure
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
