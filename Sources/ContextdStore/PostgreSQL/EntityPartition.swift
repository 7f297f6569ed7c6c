/// Which partition an entity's rows belong to: a stable hash of its subject, stored on every
/// per-entity row of the PostgreSQL store (`entity_context`, `timer`, `task`,
/// `suppressed_task`, `task_outcome`) so that a later version can split the work by entity
/// (several loops, each owning `partition % n`) without rewriting a row.
///
/// FNV-1a, 32 bits, over the subject's UTF-8 bytes: the same in every process, version and
/// platform (unlike `Hasher`, which is seeded per process), cheap, and well spread over short
/// keys. Stored as a non-negative `bigint` (0 … 2³²−1).
public enum EntityPartition {
    /// The partition of `subject`.
    public static func of(_ subject: String) -> Int64 {
        var hash: UInt32 = 2_166_136_261
        for byte in subject.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int64(hash)
    }
}
