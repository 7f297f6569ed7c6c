import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body, as the console's forms post
/// them (sign-in, requeue, sign-out). Bodies are small: a larger one is refused (413).
struct FormFields: Sendable {
    private let fields: [(String, String)]

    static let maxBytes = 16 * 1024

    init(_ request: Request) async throws {
        let buffer = try await request.body.collect(upTo: Self.maxBytes)
        self.init(String(buffer: buffer))
    }

    init(_ text: String) {
        fields = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    subscript(name: String) -> String? { fields.first { $0.0 == name }?.1 }

    /// `+` is a space and `%XX` a byte; a malformed escape stays as written.
    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
