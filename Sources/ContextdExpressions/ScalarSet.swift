/// A set of Unicode scalars: a bracket class (`[a-z\d]`, `[^,]`), `.`, `\d`, `\w`, `\s` and
/// their negations, and a literal under `(?i)`.
///
/// `\d`, `\w` and `\s` are Unicode-aware as Swift's `Regex` (the engine `matches` used before)
/// is, with a fast path for ASCII, which is what rule patterns mostly meet.
struct ScalarSet: Sendable {
    enum Property: Sendable {
        case digit, word, space
    }

    var ranges: [ClosedRange<UInt32>] = []
    var properties: [(property: Property, isNegated: Bool)] = []
    var isNegated = false

    static func property(_ property: Property, negated: Bool) -> ScalarSet {
        ScalarSet(properties: [(property, negated)])
    }

    /// `.`: anything but a newline, or anything at all under `(?s)`.
    static func dot(matchingNewline: Bool) -> ScalarSet {
        matchingNewline ? ScalarSet(ranges: [0...0x10FFFF]) : ScalarSet(ranges: [10...10], isNegated: true)
    }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        containsIgnoringNegation(scalar) != isNegated
    }

    private func containsIgnoringNegation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        for range in ranges where range.contains(value) { return true }
        for (property, negated) in properties where Self.has(property, scalar) != negated { return true }
        return false
    }

    /// Adds the other cases of every scalar in the set's ranges, for `(?i)`. Ranges wider than
    /// a few thousand scalars are taken to hold their other cases already.
    mutating func addCaseVariants() {
        var added: [ClosedRange<UInt32>] = []
        for range in ranges where range.count <= 4096 {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                for variant in Self.caseVariants(of: scalar) where !range.contains(variant.value) {
                    added.append(variant.value...variant.value)
                }
            }
        }
        ranges += added
    }

    /// The other single-scalar cases of `scalar` (`a` → `A`; `ß` has no single-scalar upper case).
    static func caseVariants(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.isASCII {
            let value = scalar.value
            if (65...90).contains(value) { return [Unicode.Scalar(value + 32)!] }
            if (97...122).contains(value) { return [Unicode.Scalar(value - 32)!] }
            return []
        }
        let properties = scalar.properties
        var variants: [Unicode.Scalar] = []
        for mapping in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
            let scalars = mapping.unicodeScalars
            guard scalars.count == 1, let variant = scalars.first, variant != scalar,
                !variants.contains(variant)
            else { continue }
            variants.append(variant)
        }
        return variants
    }

    static func has(_ property: Property, _ scalar: Unicode.Scalar) -> Bool {
        switch property {
        case .digit:
            if scalar.isASCII { return (48...57).contains(scalar.value) }
            return scalar.properties.numericType == .decimal
        case .word:
            return isWord(scalar)
        case .space:
            if scalar.isASCII { return scalar == " " || (9...13).contains(scalar.value) }
            return scalar.properties.isWhitespace
        }
    }

    /// `\w`: letters, marks, decimal digits and connector punctuation (`_`).
    static func isWord(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        if scalar.isASCII {
            let value = scalar.value
            return (48...57).contains(value) || (65...90).contains(value) || (97...122).contains(value) || value == 95
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation, .decimalNumber: return true
        default: return properties.isAlphabetic
        }
    }

    /// The POSIX classes of a bracket expression (`[[:alpha:]]`), ASCII as in RE2.
    static let posixClasses: [String: [ClosedRange<UInt32>]] = [
        "alnum": [48...57, 65...90, 97...122], "alpha": [65...90, 97...122], "ascii": [0...127],
        "blank": [9...9, 32...32], "cntrl": [0...31, 127...127], "digit": [48...57], "graph": [33...126],
        "lower": [97...122], "print": [32...126], "punct": [33...47, 58...64, 91...96, 123...126],
        "space": [9...13, 32...32], "upper": [65...90], "word": [48...57, 65...90, 95...95, 97...122],
        "xdigit": [48...57, 65...70, 97...102],
    ]
}
