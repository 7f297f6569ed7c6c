/// A normalised absolute path, compared lexically.
///
/// The configuration names directories that may not exist yet (contextd creates its spools and
/// outbox), so paths are resolved and compared as text — `.` and `..` folded, repeated and
/// trailing slashes dropped — never through the file system. Symbolic links are therefore not
/// followed: two spellings of one directory through a link are not recognised as the same.
struct AbsolutePath: Hashable, Sendable, CustomStringConvertible {
    /// The path's components, without empty ones; the root is the empty list.
    private(set) var components: [Substring]

    /// `path` made absolute against `base` (itself absolute) when relative, then normalised.
    init(_ path: String, relativeTo base: AbsolutePath) {
        components = path.hasPrefix("/") ? [] : base.components
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
    }

    /// An absolute path, normalised; a relative one is taken from the root.
    init(absolute path: String) {
        self.init(path, relativeTo: AbsolutePath(components: []))
    }

    private init(components: [Substring]) { self.components = components }

    var description: String { "/" + components.joined(separator: "/") }

    /// The directory holding this path (the root for the root).
    var parent: AbsolutePath { AbsolutePath(components: components.dropLast()) }

    /// This path followed by `component`, a single name.
    func appending(_ component: String) -> AbsolutePath { AbsolutePath(component, relativeTo: self) }

    /// True when this path is `other` or lies somewhere beneath it.
    func isWithin(_ other: AbsolutePath) -> Bool { components.starts(with: other.components) }
}
