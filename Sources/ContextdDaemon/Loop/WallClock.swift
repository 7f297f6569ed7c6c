import ContextdEvents
import Glibc

/// The wall clock, read in one place: the daemon's clock follows it once every spool is
/// drained (SPEC §2), and nothing in the engine ever reads it.
enum WallClock {
    static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
