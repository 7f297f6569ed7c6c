/// Masks the passwords of URLs in a line of the configuration file before a diagnostic quotes it.
///
/// A `store: postgresql://contextd:secret@db/contextd` line is quoted under any error on it (a
/// typo in the scheme, an unknown `sslmode`), and a YAML error may quote it before the URL is
/// even read; so every quoted line is masked, by the same rule the URL parser uses: the
/// password runs from the first `:` after `://` to the line's last `@`. Masking too much (a
/// comment with an `@`) is harmless; masking too little is not.
enum URLPassword {
    static func masked(in line: String) -> String {
        guard line.contains("://"), line.contains("@") else { return line }
        var characters = Array(line)
        var index = 0
        while let start = schemeEnd(in: characters, from: index) {
            guard let at = characters[start...].lastIndex(of: "@") else { break }
            if let colon = characters[start..<at].firstIndex(of: ":") {
                for position in (colon + 1)..<at { characters[position] = "*" }
            }
            index = at + 1
        }
        return String(characters)
    }

    /// The index just after the next `://` at or after `index`.
    private static func schemeEnd(in characters: [Character], from index: Int) -> Int? {
        var position = index
        while position + 3 <= characters.count {
            if characters[position] == ":" && characters[position + 1] == "/" && characters[position + 2] == "/" {
                return position + 3
            }
            position += 1
        }
        return nil
    }
}
