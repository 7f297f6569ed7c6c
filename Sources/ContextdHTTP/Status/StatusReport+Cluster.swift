/// The cluster as a node of it sees it (docs/decisions/0018-several-nodes.md): its nodes, who
/// owns which partition, how far behind each partition is, and which rules each node runs.
/// Null for a daemon alone.
extension StatusReport {
    public struct ClusterStatus: Codable, Sendable, Equatable {
        /// This node's id (`cluster.node`).
        public var node: String
        /// The fingerprint of the rules this node runs, and of the rules the cluster runs.
        public var rules: String
        public var clusterRules: String?
        /// Why this node holds no partition, when it is its rules: said in words.
        public var refusal: String?
        /// The event log's last position.
        public var head: Int64
        /// The least position every partition has applied (nil while there is no partition): a
        /// step that crosses partitions at position q goes on once the others are at q − 1, so
        /// this is how far the slowest partition holds the others back.
        public var watermark: Int64?
        public var nodes: [Node]
        public var partitions: [Partition]

        public init(
            node: String, rules: String, clusterRules: String?, refusal: String?, head: Int64, nodes: [Node],
            partitions: [Partition]
        ) {
            watermark = partitions.map(\.applied).min()
            self.node = node
            self.rules = rules
            self.clusterRules = clusterRules
            self.refusal = refusal
            self.head = head
            self.nodes = nodes
            self.partitions = partitions
        }

        enum CodingKeys: String, CodingKey {
            case node, rules, clusterRules = "cluster_rules", refusal, head, watermark, nodes, partitions
        }

        public func encode(to encoder: any Encoder) throws {
            var keys = encoder.container(keyedBy: CodingKeys.self)
            try keys.encode(node, forKey: .node)
            try keys.encode(rules, forKey: .rules)
            try keys.encode(clusterRules, forKey: .clusterRules)
            try keys.encode(refusal, forKey: .refusal)
            try keys.encode(head, forKey: .head)
            try keys.encode(watermark, forKey: .watermark)
            try keys.encode(nodes, forKey: .nodes)
            try keys.encode(partitions, forKey: .partitions)
        }

        /// The partitions nobody holds, in order.
        public var unowned: [Int] { partitions.filter { $0.owner == nil }.map(\.partition) }

        /// The `count` partitions furthest behind the head (largest lag first, then by number);
        /// none that has caught up. What `contextd status` and the console's Cluster page name.
        public func mostBehind(_ count: Int) -> [Partition] {
            Array(partitions.filter { $0.lag > 0 }.sorted { ($1.lag, $0.partition) < ($0.lag, $1.partition) }.prefix(count))
        }

        public struct Node: Codable, Sendable, Equatable {
            public var id: String
            public var live: Bool
            public var incarnation: Int64
            /// The fingerprint of the rules it runs.
            public var rules: String
            /// Whether its spools were drained at its last heartbeat.
            public var drained: Bool
            /// The log position it had applied at its last heartbeat.
            public var position: Int64
            /// How many partitions it owns.
            public var partitions: Int
            public var heartbeatAt: String

            public init(
                id: String, live: Bool, incarnation: Int64, rules: String, drained: Bool, position: Int64, partitions: Int,
                heartbeatAt: String
            ) {
                self.id = id
                self.live = live
                self.incarnation = incarnation
                self.rules = rules
                self.drained = drained
                self.position = position
                self.partitions = partitions
                self.heartbeatAt = heartbeatAt
            }

            enum CodingKeys: String, CodingKey {
                case id, live, incarnation, rules, drained, position, partitions, heartbeatAt = "heartbeat_at"
            }
        }

        public struct Partition: Codable, Sendable, Equatable {
            public var partition: Int
            /// Its owner; nil while nobody holds it.
            public var owner: String?
            public var epoch: Int64
            /// The last log position committed for it, and how many positions the log is ahead.
            public var applied: Int64
            public var lag: Int64

            public init(partition: Int, owner: String?, epoch: Int64, applied: Int64, lag: Int64) {
                self.partition = partition
                self.owner = owner
                self.epoch = epoch
                self.applied = applied
                self.lag = lag
            }

            enum CodingKeys: String, CodingKey { case partition, owner, epoch, applied, lag }

            public func encode(to encoder: any Encoder) throws {
                var keys = encoder.container(keyedBy: CodingKeys.self)
                try keys.encode(partition, forKey: .partition)
                try keys.encode(owner, forKey: .owner)
                try keys.encode(epoch, forKey: .epoch)
                try keys.encode(applied, forKey: .applied)
                try keys.encode(lag, forKey: .lag)
            }
        }
    }
}
