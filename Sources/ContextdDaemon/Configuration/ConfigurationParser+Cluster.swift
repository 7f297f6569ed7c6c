import ContextdEvents
import ContextdStore
import Yams

/// The `cluster:` section (``ClusterSettings``): only with a PostgreSQL store, where the
/// cluster's event log lives.
extension ConfigurationParser {
    static let clusterKeys = ["node", "partitions", "lease", "log_retention"]

    func readCluster(of root: ConfigurationMapping, into configuration: inout DaemonConfiguration) {
        guard let node = root["cluster"] else { return }
        if node.isNull {
            document.report(at: node, "'cluster' is empty; write 'cluster: {}' to run as a node with the defaults, "
                + "or remove the key to run alone")
            return
        }
        guard let cluster = section("cluster", of: root, allowed: Self.clusterKeys) else { return }
        var settings = ClusterSettings(node: ClusterSettings.hostName)
        if let (id, idNode) = cluster.text("node", expected: "a node name such as 'contextd-a'") {
            if let problem = ClusterSettings.problem(with: id) {
                document.report(at: idNode, "'cluster.node' \(problem); use a host name such as 'contextd-a'")
            } else {
                settings.node = id
            }
        }
        if let count = cluster.count("partitions", minimum: 1) {
            if count > ClusterSettings.maximumPartitions, let countNode = cluster["partitions"] {
                document.report(at: countNode, "'cluster.partitions' is at most \(ClusterSettings.maximumPartitions); "
                    + "the default \(ClusterSettings.defaultPartitions) serves up to about 50 nodes")
            } else {
                settings.partitions = count
            }
        }
        if let span = cluster.duration("lease", atLeast: .seconds(1)) { settings.lease = span }
        if let span = cluster.duration("log_retention", atLeast: .hours(1)) { settings.logRetention = span }
        guard configuration.postgres != nil else {
            document.report(at: node, "'cluster' needs a PostgreSQL store, where the nodes share their event log: "
                + "add 'store: postgresql://USER@HOST/DB', or remove 'cluster' to run one daemon on SQLite")
            return
        }
        configuration.cluster = settings
        configuration.postgres?.idleInTransactionTimeout = settings.lease
    }
}
