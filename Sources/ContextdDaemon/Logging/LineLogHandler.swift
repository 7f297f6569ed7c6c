import ContextdEvents
public import Logging

/// One line per log record on standard error, as text for people or JSON for log shippers
/// (journald keeps either; `log.format: json` suits Loki, Elastic and friends).
///
/// Text: `2026-11-23T10:00:00.123Z info file done spool=events file=a.jsonl events=12`.
/// JSON: `{"time":"…","level":"info","message":"file done","spool":"events",…}`.
///
/// Either way a record is exactly one line: control characters in the message and the values
/// are escaped (``LogText``; JSON escapes them by itself), and a line that cannot be written is
/// dropped and counted by the ``LogSink``, never fatal.
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let format: Format
    let label: String
    let sink: LogSink

    public init(label: String, format: Format, level: Logger.Level, sink: LogSink = .standardError) {
        self.label = label
        self.format = format
        self.sink = sink
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider?

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let explicit = event.metadata { fields.merge(explicit) { $1 } }
        if let error = event.error { fields["error"] = "\(error)" }
        let time = WallClock.now().rfc3339
        var text: String
        switch format {
        case .text:
            text = "\(time) \(level) \(LogText.escaped("\(message)"))"
            for key in fields.keys.sorted() { text += " \(key)=\(LineLogHandler.plain(fields[key]!))" }
        case .json:
            var object: [String: Value] = ["time": .string(time), "level": .string("\(level)"),
                "message": .string("\(message)")]
            for (key, value) in fields where object[key] == nil { object[key] = LineLogHandler.json(value) }
            text = JSON.encode(.object(object))
        }
        text += "\n"
        sink.write(text)
    }

    static func plain(_ value: Logger.Metadata.Value) -> String {
        LogText.value("\(value)")
    }

    static func json(_ value: Logger.Metadata.Value) -> Value {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let item): Double("\(item)").map(Value.number) ?? .string("\(item)")
        case .array(let items): .list(items.map(json))
        case .dictionary(let items): .object(items.mapValues(json))
        }
    }
}
