import ContextdDaemon
import ContextdEvents
import Foundation
import Glibc
import Logging
import Testing

/// A log record is one line whatever its text holds, and a write that fails is counted, not
/// fatal (SPEC §8, issue 17 item 7).
@Suite struct LineLogHandlerTests {
    /// Logs one record through a handler writing into a pipe; returns what came out.
    static func logged(_ format: LineLogHandler.Format, _ message: Logger.Message, _ metadata: Logger.Metadata) throws
        -> String
    {
        let pipe = Pipe()
        let sink = LogSink(descriptor: pipe.fileHandleForWriting.fileDescriptor)
        var logger = Logger(label: "test") { LineLogHandler(label: $0, format: format, level: .info, sink: sink) }
        logger.logLevel = .info
        logger.warning(message, metadata: metadata)
        try pipe.fileHandleForWriting.close()
        #expect(sink.failedWrites == 0)
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    static let hostile = "evil\n2026-01-01T00:00:00.000Z critical forged\r\t\u{1B}[31m\u{7F}\u{85}"

    @Test func textEscapesControlCharactersInMessagesAndValues() throws {
        let text = try Self.logged(.text, "file \(Self.hostile)", ["file": "\(Self.hostile)", "plain": "a.jsonl"])
        #expect(text.filter { $0 == "\n" }.count == 1 && text.hasSuffix("\n"), "\(text)")
        let escaped = #"evil\n2026-01-01T00:00:00.000Z critical forged\r\t\u001b[31m\u007f\u0085"#
        #expect(text.contains(" warning file \(escaped) "), "\(text)")
        #expect(text.contains(#" file=""# + escaped + #"""#), "\(text)")
        #expect(text.contains(" plain=a.jsonl"), "\(text)")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
    }

    @Test func jsonKeepsTheTextAndStaysOneLine() throws {
        let text = try Self.logged(.json, "\(Self.hostile)", ["file": "\(Self.hostile)"])
        #expect(text.filter { $0 == "\n" }.count == 1 && text.hasSuffix("\n"), "\(text)")
        guard case .object(let object) = try JSON.parse(String(text.dropLast())) else {
            Issue.record("not a JSON object: \(text)")
            return
        }
        #expect(object["message"] == .string(Self.hostile))
        #expect(object["file"] == .string(Self.hostile))
    }

    @Test func aWriteThatFailsIsDroppedAndCounted() throws {
        let full = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(full >= 0)
        defer { close(full) }
        let sink = LogSink(descriptor: full)
        let logger = Logger(label: "test") { LineLogHandler(label: $0, format: .text, level: .info, sink: sink) }
        logger.info("one")
        logger.error("two")
        #expect(sink.failedWrites == 2)

        // A pipe whose reader is gone: EPIPE (SIGPIPE is ignored here, as `contextd run` does).
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let broken = LogSink(descriptor: pipe.fileHandleForWriting.fileDescriptor)
        broken.write("lost\n")
        #expect(broken.failedWrites == 1)
    }
}
