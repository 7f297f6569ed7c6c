import Glibc

extension Spool {
    /// Finishes a file whose events are all committed: `cur/<name>` goes to `done/` (or is
    /// deleted, with ``OnDone/delete``), and its rejects, if ``writeRejects(_:_:)`` left any,
    /// go to `rejected/`.
    ///
    /// Nothing in `done/` is overwritten: when `done/<name>` exists (a producer reused a name),
    /// the file becomes `done/<name>.1`, else `<name>.2`, and so on — the first free one. The
    /// rejects move first; a crash between the two steps makes the redone file leave its rejects
    /// a second time under the next free name, never lose them. Both directories are fsynced
    /// before this returns, so a completed file cannot come back after a power cut.
    public func complete(_ name: String) throws(SpoolError) {
        try complete([name])
    }

    /// Completes a group of files committed together, with one fsync of `done/` and one of
    /// `cur/` for the whole group instead of two per file. With `syncing` false the caller
    /// fsyncs ``completionDirectories`` itself before it relies on the move (the daemon does
    /// it on the store's writer, before the commit that forgets the files: decision 0010).
    public func complete(_ names: [String], syncing: Bool = true) throws(SpoolError) {
        guard !names.isEmpty else { return }
        for name in names {
            try checkFileName(name)
            let current = path(.cur, name)
            guard entryExists(current) else { throw .system("complete", path: current, code: ENOENT) }
            try settleRejects(of: name)
            switch onDone {
            case .move:
                try moveToDone(name)
            case .delete:
                guard unlink(current) == 0 else { throw .system("delete", path: current) }
            }
        }
        guard syncing else { return }
        for directory in completionDirectories { try fsyncDirectory(directory) }
    }

    /// The directories a completion changes.
    public var completionDirectories: [String] { onDone == .move ? [path(.done), path(.cur)] : [path(.cur)] }

    private func moveToDone(_ name: String) throws(SpoolError) {
        for candidate in collisionNames(name) {
            switch try renameWithoutReplacing(path(.cur, name), to: path(.done, candidate)) {
            case .moved:
                return
            case .destinationTaken:
                continue
            case .sourceMissing:
                throw .system("move to done/", path: path(.cur, name), code: ENOENT)
            }
        }
    }
}
