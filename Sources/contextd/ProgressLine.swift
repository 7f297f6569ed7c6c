import ContextdReplay
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The progress of a long `replay`, `test` or `diff` on standard error, when it is a terminal:
/// one line rewritten in place at most four times a second, erased at the end, so what the
/// command prints is the same with or without it. Nothing at all when standard error is not a
/// terminal (a pipe, a file, CI).
///
/// A thread of its own reads ``ReadProgress``'s counters on a timer; the command's own thread
/// never waits for it and does nothing per event.
final class ProgressLine: Sendable {
    let progress: ReadProgress
    /// What is counted: `events` (replay, diff) or `tests` (test).
    private let unit: String
    private let started = DispatchTime.now().uptimeNanoseconds
    /// Whether a line is on the terminal now; held while writing, so a line is never
    /// half-written when the command erases it to print.
    private let shown = Mutex(false)
    private let stopping = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    static let interval = DispatchTimeInterval.milliseconds(250)
    /// Back to the line's start, then erase to its end: the line drawn over or taken away.
    private static let clearLine = "\r\u{1B}[K"

    /// Starts the ticker over these input files when standard error is a terminal; nil (and
    /// nothing counted) otherwise.
    static func start(paths: [String], unit: String = "events") -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let line = ProgressLine(progress: ReadProgress(paths: paths), unit: unit)
        Thread { line.tick() }.start()
        return line
    }

    private init(progress: ReadProgress, unit: String) {
        self.progress = progress
        self.unit = unit
    }

    private func tick() {
        while stopping.wait(timeout: .now() + Self.interval) == .timedOut {
            let text = Self.clearLine + describe()
            shown.withLock { shown in
                Self.write(text)
                shown = true
            }
        }
        withLineErased {}
        finished.signal()
    }

    /// Stops the ticker and erases its line; returns once nothing more will be written.
    func stop() {
        stopping.signal()
        finished.wait()
    }

    /// Runs `body` (which prints a result line) with the progress line out of its way; the next
    /// tick draws it again below.
    func withLineErased(_ body: () -> Void) {
        shown.withLock { shown in
            if shown { Self.write(Self.clearLine) }
            shown = false
            body()
            fflush(nil)  // stdout: the lines are on the terminal before the next tick draws below them
        }
    }

    /// `120,000 events · 3/10 files · 45,000 events/s · 12 s left`.
    func describe() -> String {
        let (bytes, items, files) = progress.current
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var parts = ["\(Self.grouped(items)) \(unit)", "\(files)/\(progress.totalFiles) files"]
        if seconds > 0 { parts.append("\(Self.grouped(Int(Double(items) / seconds))) \(unit)/s") }
        if let total = progress.totalBytes, bytes > 0, seconds > 0 {
            let left = Double(max(0, total - bytes)) / (Double(bytes) / seconds)
            parts.append(left < 1 ? "under 1 s left" : "\(Self.duration(left)) left")
        }
        return parts.joined(separator: " · ")
    }

    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min \(whole % 60) s"
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
