import Glibc

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`, systemd's `LimitNOFILE=`).
enum DescriptorLimit {
    /// Raises the soft limit to the hard one (as much as this process may have without
    /// privileges) and returns it: the connection cap is measured against it.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY (all ones) clamps to Int.max
    }
}
