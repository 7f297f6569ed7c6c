/// The status JSON writes every key, `null` when a value is unknown, as the task JSON does
/// (SPEC §3): the synthesized `Encodable` leaves a nil optional out, and the OpenAPI document
/// (`docs/openapi.json`) requires every key, so that a generated client gets one shape.
///
/// One `encode(to:)` for each part with an optional field, through its own `CodingKeys`. A field
/// added to one of these types must be added here too: the round-trip test in
/// Tests/ContextdHTTPTests (StatusReportSchemaTests) fails until it is.
extension StatusReport.Clocks {
    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(engine, forKey: .engine)
        try keys.encode(wall, forKey: .wall)
        try keys.encode(lagSeconds, forKey: .lagSeconds)
        try keys.encode(followsWallClock, forKey: .followsWallClock)
    }
}

extension StatusReport.SpoolStatus {
    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(name, forKey: .name)
        try keys.encode(path, forKey: .path)
        try keys.encode(new, forKey: .new)
        try keys.encode(cur, forKey: .cur)
        try keys.encode(inProgress, forKey: .inProgress)
        try keys.encode(doneLastHour, forKey: .doneLastHour)
        try keys.encode(rejectedLastHour, forKey: .rejectedLastHour)
        try keys.encode(lastRejects, forKey: .lastRejects)
    }
}

extension StatusReport.FileInProgress {
    enum CodingKeys: String, CodingKey { case file, done, total }

    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(file, forKey: .file)
        try keys.encode(done, forKey: .done)
        try keys.encode(total, forKey: .total)
    }
}

extension StatusReport.RuleStatus {
    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(id, forKey: .id)
        try keys.encode(description, forKey: .description)
        try keys.encode(file, forKey: .file)
        try keys.encode(evaluations, forKey: .evaluations)
        try keys.encode(matches, forKey: .matches)
        try keys.encode(tasks, forKey: .tasks)
        try keys.encode(suppressed, forKey: .suppressed)
        try keys.encode(errors, forKey: .errors)
        try keys.encode(lastError, forKey: .lastError)
    }
}

extension StatusReport.RuleError {
    enum CodingKeys: String, CodingKey { case message, event, at }

    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(message, forKey: .message)
        try keys.encode(event, forKey: .event)
        try keys.encode(at, forKey: .at)
    }
}

extension StatusReport.StoreStatus {
    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(kind, forKey: .kind)
        try keys.encode(location, forKey: .location)
        try keys.encode(sizeBytes, forKey: .sizeBytes)
        try keys.encode(lastCommit, forKey: .lastCommit)
        try keys.encode(lastError, forKey: .lastError)
    }
}
