import Foundation

/// The text of one rule file and the path it is reported under.
public struct RuleSource: Sendable, Hashable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// Rule files under the given paths: files as given, directories searched recursively for
    /// `*.yaml` / `*.yml` (rule test files, `*.test.yaml`, are not rule files), in path order
    /// so that evaluation order is the same on every machine.
    public static func load(paths: [String]) throws(Diagnostic) -> [RuleSource] {
        let files = try files(under: paths)
        let manager = FileManager.default
        var sources: [RuleSource] = []
        for file in files {
            guard let data = manager.contents(atPath: file) else {
                throw Diagnostic(file: file, line: 1, column: 1, message: "cannot read the file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic(file: file, line: 1, column: 1, message: "the file is not UTF-8 text")
            }
            sources.append(RuleSource(path: file, text: text))
        }
        return sources
    }

    /// The rule files under `paths`, sorted, named as diagnostics name them: what ``load(paths:)``
    /// reads, and what the console's rules page lists (so both find the same files).
    public static func files(under paths: [String]) throws(Diagnostic) -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw Diagnostic(file: path, line: 1, column: 1, message: "no such file or directory")
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            let enumerator = manager.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
                guard !relative.hasSuffix(".test.yaml"), !relative.hasSuffix(".test.yml") else { continue }
                guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
                files.append(path.hasSuffix("/") ? path + relative : path + "/" + relative)
            }
        }
        return files.sorted()
    }
}
