/// A failure while evaluating a compiled expression against one activation.
///
/// Types are checked at load time, but event payloads are `dyn`: a field can be missing, null,
/// or of another kind than the rule expected. Such failures are values, not crashes, so the
/// engine can log them with the rule and skip it for this event. `range` points at the
/// sub-expression that failed, inside `source`.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; `??` and `has()` treat ``missingField`` and ``nullAccess``
    /// as "no value" rather than as errors.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String

        public init(_ name: String) { self.name = name }

        /// A field, key or list index that is not there: `no field 'lat' in map`.
        public static let missingField = Code("missingField")
        /// Reading from null or passing null where a value is needed: `cannot read 'time' of null`.
        public static let nullAccess = Code("nullAccess")
        public static let divisionByZero = Code("divisionByZero")
        /// A `dyn` value of the wrong kind: `cannot compare string with number`.
        public static let typeMismatch = Code("typeMismatch")
        /// A value of the right kind that a function cannot use: `invalid duration '12x'`.
        public static let invalidArgument = Code("invalidArgument")
        /// The evaluation ran out of its budget of steps (``Activation/stepsLeft``).
        public static let budgetExceeded = Code("budgetExceeded")
        /// Anything else, e.g. raised by a host function.
        public static let failed = Code("failed")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// Where in ``source`` the failure happened.
    public var range: SourceRange
    /// The text `range` refers to: the evaluated expression's or template's source, or — for a
    /// failure inside a `let` binding — the binding's source. Nil until the error leaves the
    /// compiled expression it happened in.
    public var source: String?

    public init(message: String, range: SourceRange = SourceRange(start: 0, end: 0), code: Code = .failed) {
        self.message = message
        self.range = range
        self.code = code
    }

    /// A missing field or key, for field resolvers: lets `context.x ?? default` fall back.
    public static func missingField(_ name: String) -> EvaluationError {
        EvaluationError(message: "no field '\(name)'", code: .missingField)
    }

    /// True when the failure means "there is no value here" (missing field, null access).
    public var isMissingValue: Bool { code == .missingField || code == .nullAccess }

    public var description: String {
        guard let source else { return message }
        let snippet = range.text(in: Array(source.utf8))
        return snippet.isEmpty ? message : "\(message) (at '\(snippet)')"
    }

    /// Places an error raised without a position (by a built-in, a host function or a field
    /// resolver) at the call that raised it. Errors that already left a compiled expression keep
    /// their position.
    func located(at range: SourceRange) -> EvaluationError {
        guard source == nil else { return self }
        var located = self
        located.range = range
        return located
    }

    /// Marks which source text `range` refers to, unless an inner expression already did.
    func attributed(to text: String) -> EvaluationError {
        guard source == nil else { return self }
        var attributed = self
        attributed.source = text
        return attributed
    }
}
