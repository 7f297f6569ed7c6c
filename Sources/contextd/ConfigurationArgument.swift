import ArgumentParser
import ContextdDaemon
import Foundation

/// The `--config FILE` of `run` and `explain`: the file's configuration, or the embedded
/// default in the working directory; a bad file prints its located errors and exits 78.
enum ConfigurationArgument {
    static func load(_ path: String?) throws -> DaemonConfiguration {
        guard let path else {
            return DaemonConfiguration.embeddedDefault(workingDirectory: FileManager.default.currentDirectoryPath)
        }
        switch DaemonConfiguration.load(path: path) {
        case .success(let loaded): return loaded
        case .failure(let errors):
            StandardError.write(errors.description)
            throw ExitStatus.configuration
        }
    }
}
