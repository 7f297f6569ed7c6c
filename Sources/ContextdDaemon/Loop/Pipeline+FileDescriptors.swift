import ContextdEvents
import ContextdReplay
import ContextdSpool
import Glibc
import Logging

/// Running out of file descriptors (`EMFILE`, `ENFILE`) is a passing condition for the loop,
/// never a reason to stop (issue 17: a thousand idle connections to the API exhausted them and
/// the daemon exited on "open directory: Too many open files"). Where the loop can step back
/// without losing its place — listing `new/`, opening a file it has just claimed — it logs
/// (at most once a minute), counts `contextd_file_descriptor_shortages_total`, and tries again
/// in the next round. The HTTP connection cap keeps the API below the limit in the first place
/// (``ConnectionLimits``).
extension Pipeline {
    /// Each spool's waiting files, or nil when a spool could not be listed for want of file
    /// descriptors (the round is skipped; the loop comes back after its wait).
    func waitingFiles() throws -> [ArraySlice<String>]? {
        var waiting: [ArraySlice<String>] = []
        for (_, spool) in inputs {
            let names: [String]
            do {
                names = try spool.waiting()
            } catch {
                guard Self.isTooManyOpenFiles(error.code) else { throw error }
                fileDescriptorsRanOut(error)
                return nil
            }
            waiting.append(names[...])
        }
        return waiting
    }

    static func isTooManyOpenFiles(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE
    }

    /// A claimed file could not be opened for want of file descriptors: it goes back to `new/`.
    func fileDescriptorsRanOut(_ error: EventFileReader.ReadError, unclaiming name: String, from spool: Spool) {
        let back = (try? spool.unclaim(name)) ?? false
        fileDescriptorsRanOut(error, metadata: [
            "spool": "\(spool.name)", "file": "\(name)",
            "file_kept_in": "\(back ? "new/ (taken again in a later round)" : "cur/ (redone at the next start)")",
        ])
    }

    func fileDescriptorsRanOut(_ error: any Error, metadata: Logger.Metadata = [:]) {
        metrics.count("contextd_file_descriptor_shortages_total")
        guard fileDescriptorShortage.shouldLog(at: WallClock.now()) else { return }
        var metadata = metadata
        metadata["error"] = "\(error)"
        metadata["shortages"] = "\(fileDescriptorShortage.count)"
        logger.warning(
            "too many open files; trying again in the next round (raise LimitNOFILE or lower http.max_connections)",
            metadata: metadata)
    }
}

/// How often the loop ran out of file descriptors, and whether to say so now: a shortage can
/// last, and a line per round would flood the journal.
struct FileDescriptorShortage {
    private(set) var count = 0
    private var lastLogged: Timestamp?

    mutating func shouldLog(at now: Timestamp) -> Bool {
        count += 1
        guard lastLogged.map({ now - $0 >= .minutes(1) }) ?? true else { return false }
        lastLogged = now
        return true
    }
}
