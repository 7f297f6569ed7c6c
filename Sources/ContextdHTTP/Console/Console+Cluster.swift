import HTTPTypes
import Hummingbird

/// `GET /cluster`: the cluster as this node last saw it (``StatusReport/ClusterStatus``, at
/// most a third of the lease old): which nodes are live and which rules each runs, who owns
/// every partition, and how far each is behind the log. Complete when loaded; `console.js`
/// then polls `/v1/status` every second like the overview, so a node that stops shows as gone
/// and its partitions under their new owner without a reload.
///
/// An operator comes here when alerts lag or a node was replaced: the rows that matter are
/// marked (a node not live, rules that differ from the cluster's, a partition nobody holds),
/// in words and not only in colour.
extension Console {
    func cluster(_ viewer: ConsoleLayout.Viewer) async throws -> HTML {
        let report = await probe.status()
        return ConsoleLayout.document(title: "Cluster", section: .cluster, viewer: viewer) {
            if let cluster = report?.cluster {
                ClusterView(cluster: cluster).body
            } else if report == nil {
                HTML.element("p", [("class", "empty")]) { "No status to show: the daemon has not reported one yet." }
            } else {
                HTML.element("p", [("class", "empty")]) {
                    "This daemon runs alone: its configuration has no cluster section, so it owns every subject "
                        + "and there are no nodes or partitions to show. Several nodes share one PostgreSQL store "
                        + "(docs/operations.md, \"Several nodes\")."
                }
            }
        }
    }
}

/// The cluster page's sections. Each row's cells are computed once here, as `console.js`
/// computes them from the same JSON (``ConsoleScript``), so a poll that changes nothing
/// changes no text.
struct ClusterView {
    let cluster: StatusReport.ClusterStatus

    var body: HTML {
        HTML.element("div", [("class", "overview"), ("data-live", "/v1/status")]) {
            node
            nodes
            partitions
        }
    }

    private var node: HTML {
        .element("section", [("class", "card wide"), ("aria-labelledby", "h-node")]) {
            HTML.element("h2", [("id", "h-node")]) { "This node" }
            HTML.element("dl") {
                ConsoleLayout.figure("Node", cluster.node, status: "cluster.node")
                ConsoleLayout.figure("Its rules", cluster.rules, status: "cluster.rules")
                ConsoleLayout.figure("The cluster's rules", cluster.clusterRules ?? "—", status: "cluster.cluster_rules")
                ConsoleLayout.figure("Log head", String(cluster.head), status: "cluster.head")
                ConsoleLayout.figure("Watermark", cluster.watermark.map(String.init) ?? "—", status: "cluster.watermark")
            }
            HTML.element("ul", [("data-status-list", "cluster.refusal"), ("class", "problems")]) {
                if let refusal = cluster.refusal { HTML.element("li") { refusal } }
            }
            HTML.element("p", [("class", "hint")]) {
                "The watermark is the least position every partition has applied: a step that reads across "
                    + "partitions at position q waits until the others have applied q − 1."
            }
        }
    }

    private var nodes: HTML {
        .element("section", [("class", "card wide"), ("aria-labelledby", "h-nodes")]) {
            HTML.element("h2", [("id", "h-nodes")]) { "Nodes" }
            HTML.element("div", [("class", "scroll")]) {
                HTML.element("table", [("id", "nodes")]) {
                    HTML.element("thead") {
                        HTML.element("tr") {
                            for title in Self.nodeColumns { HTML.element("th", [("scope", "col")]) { title } }
                        }
                    }
                    HTML.element("tbody", [("data-status-list", "cluster.nodes")]) {
                        for node in cluster.nodes {
                            Self.row(Self.nodeCells(node, clusterRules: cluster.clusterRules),
                                problem: !node.live || node.rules != cluster.clusterRules)
                        }
                    }
                }
            }
        }
    }

    private var partitions: HTML {
        .element("section", [("class", "card wide"), ("aria-labelledby", "h-partitions")]) {
            HTML.element("h2", [("id", "h-partitions")]) { "Partitions" }
            HTML.element("p", [("data-status-list", "cluster.partition_summary")]) {
                Self.partitionSummary(cluster)
            }
            HTML.element("div", [("class", "scroll")]) {
                HTML.element("table", [("id", "partitions"), ("class", "compact")]) {
                    HTML.element("thead") {
                        HTML.element("tr") {
                            for (index, title) in Self.partitionColumns.enumerated() {
                                // Every column but the owner holds numbers.
                                HTML.element("th", [("scope", "col"), ("class", index == 1 ? nil : "number")]) { title }
                            }
                        }
                    }
                    HTML.element("tbody", [("data-status-list", "cluster.partitions")]) {
                        for partition in cluster.partitions {
                            Self.row(Self.partitionCells(partition), problem: partition.owner == nil)
                        }
                    }
                }
            }
        }
    }

    static let nodeColumns = ["Node", "State", "Incarnation", "Rules", "Spools", "Applied", "Partitions", "Heartbeat"]
    static let partitionColumns = ["Partition", "Owner", "Epoch", "Applied", "Lag"]

    /// A node's cells: the first is the row's header; the rules say "(differs)" when they are
    /// not the cluster's, since such a node holds no partition.
    static func nodeCells(_ node: StatusReport.ClusterStatus.Node, clusterRules: String?) -> [String] {
        [node.id, node.live ? "live" : "gone", String(node.incarnation),
         node.rules + (node.rules == clusterRules ? "" : " (differs)"), node.drained ? "drained" : "busy",
         String(node.position), String(node.partitions), node.heartbeatAt]
    }

    static func partitionCells(_ partition: StatusReport.ClusterStatus.Partition) -> [String] {
        [String(partition.partition), partition.owner ?? "nobody", String(partition.epoch), String(partition.applied),
         String(partition.lag)]
    }

    /// "64 partitions · unowned: none · most behind: 12 (node-b, 40)".
    static func partitionSummary(_ cluster: StatusReport.ClusterStatus) -> String {
        let unowned = cluster.unowned.map(String.init)
        let behind = cluster.mostBehind(3)
        return "\(cluster.partitions.count) partitions · unowned: \(unowned.isEmpty ? "none" : unowned.joined(separator: ", "))"
            + " · most behind: "
            + (behind.isEmpty ? "none" : behind.map { "\($0.partition) (\($0.owner ?? "nobody"), \($0.lag))" }
                .joined(separator: ", "))
    }

    /// Numbers right-aligned (every column but the header and the words); a row that needs an
    /// operator's eye is marked `problem`.
    private static func row(_ cells: [String], problem: Bool) -> HTML {
        .element("tr", [("class", problem ? "problem" : nil)]) {
            for (index, text) in cells.enumerated() {
                if index == 0 {
                    HTML.element("th", [("scope", "row")]) { text }
                } else {
                    HTML.element("td", [("class", Int64(text) != nil ? "number" : nil)]) { text }
                }
            }
        }
    }
}
