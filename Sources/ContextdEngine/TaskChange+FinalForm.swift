extension [TaskChange] {
    /// The same changes with each early release folded into the creation before it in the list:
    /// the task is created in the form the release gave it, and the release itself is dropped.
    ///
    /// Why: a consumer must see a task in its final form, as `replay` prints it. When one
    /// commit carries both a task's creation and its early release, the creation alone decides
    /// whether the task is due at the commit's clock — with the `not_before` the release
    /// replaced, so a task released at 08:02 was staged, stored and written saying 11:01.
    /// A release of a task created in an earlier list stays a release.
    public func foldingReleases() -> [TaskChange] {
        guard contains(where: { if case .released = $0 { true } else { false } }) else { return self }
        var folded: [TaskChange] = []
        folded.reserveCapacity(count)
        var created: [String: Int] = [:]
        for change in self {
            switch change {
            case .created(let task):
                created[task.id] = folded.count
                folded.append(change)
            case .released(let task):
                if let index = created[task.id] {
                    folded[index] = .created(task)
                } else {
                    folded.append(change)
                }
            case .suppressed, .expiredOnArrival:
                folded.append(change)
            }
        }
        return folded
    }
}
