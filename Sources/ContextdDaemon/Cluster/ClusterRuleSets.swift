import ContextdEngine
import ContextdRules
import ContextdStore
import Foundation

/// The rule sets a node's cohorts evaluate with, by fingerprint (decision 0018 §4).
///
/// Why a node needs more than the rules it loaded: a cohort evaluates each log position with
/// the cluster's rules in force there. A partition taken over behind a change of rules is
/// evaluated with the older rules up to the change, and a node that has loaded new rules keeps
/// the cluster's until the log switches every partition at once. Rule sets other than the
/// node's own are read from the store (every node keeps the rules it loaded there before it
/// reports them) and written under `<data_dir>/cluster-rules/<fingerprint>/`, where the loader
/// reads them and an operator can look.
final class ClusterRuleSets {
    private var loaded: [String: RuleSet] = [:]
    private let directory: String

    init(dataDirectory: String) {
        directory = (dataDirectory as NSString).appendingPathComponent("cluster-rules")
    }

    /// The rules of `fingerprint`: `own` when they are the node's, else as the store keeps them.
    func ruleSet(_ fingerprint: String, own: (fingerprint: String, ruleSet: RuleSet), store: any ClusterMembership)
        throws -> RuleSet
    {
        if fingerprint == own.fingerprint {
            loaded[fingerprint] = own.ruleSet
            return own.ruleSet
        }
        if let ruleSet = loaded[fingerprint] { return ruleSet }
        guard let files = try store.ruleSetFiles(fingerprint) else {
            throw RulesUnavailable(fingerprint: fingerprint, reason: """
                the store keeps no files under that fingerprint (a node that ran them before this version stored \
                nothing); start a node with those rules once, or let the partitions catch up on a node that runs them
                """)
        }
        let folder = (directory as NSString).appendingPathComponent(fingerprint)
        try RuleSetFolder.write(files, into: folder)
        switch RuleLoader.load(paths: [folder]) {
        case .success(let ruleSet):
            loaded[fingerprint] = ruleSet
            return ruleSet
        case .failure(let failure):
            throw RulesUnavailable(fingerprint: fingerprint, reason: """
                they do not load here (\(failure.diagnostics.prefix(3).map(\.description).joined(separator: "; "))); \
                this contextd cannot evaluate the positions where they are in force
                """)
        }
    }

    /// Forgets the rule sets no longer in use, so that a node that reloads often does not keep
    /// every rule set it ever ran.
    func keep(only fingerprints: Set<String>) {
        loaded = loaded.filter { fingerprints.contains($0.key) }
    }

    /// The cluster's rules at some position cannot be had on this node.
    struct RulesUnavailable: Error, CustomStringConvertible {
        var fingerprint: String
        var reason: String
        var description: String { "the cluster's rules \(fingerprint) cannot be used: \(reason)" }
    }
}
