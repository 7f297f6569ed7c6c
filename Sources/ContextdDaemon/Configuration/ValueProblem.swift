/// Why a configuration value written as text could not be read, in words for the operator.
///
/// The value parsers (sizes, listen addresses) know *what* is wrong; the reader that calls them
/// knows *where* the value is and turns this into a located `Diagnostic`.
struct ValueProblem: Error, Sendable, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
