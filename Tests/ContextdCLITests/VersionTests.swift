import ContextdTestKit
import Foundation
import Testing

/// `contextd --version` names the release and the git commit the binary was built from, so a
/// bug report says exactly which code ran.
@Suite(.blocksAThread) struct VersionTests {
    /// The commit is one of this repository's (it may trail HEAD when the tests run without a
    /// rebuild); `unknown` only where there is no git clone to ask.
    @Test func versionNamesTheCommitTheBinaryWasBuiltFrom() throws {
        let result = try ContextdProcess.run(["--version"])
        #expect(result.status == 0)
        let line = result.stdout.trimmingCharacters(in: .newlines)
        let match = try #require(line.wholeMatch(of: /(\d+\.\d+\.\d+) \(commit ([0-9a-f]{7,}(-dirty)?|unknown)\)/),
            "contextd --version printed: \(line)")
        let commit = String(match.output.2)
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", ContextdProcess.root.path, "cat-file", "-e",
            String(commit.prefix { $0 != "-" }) + "^{commit}"]
        git.standardError = FileHandle.nullDevice
        try git.run()
        git.waitUntilExit()
        let isClone = FileManager.default.fileExists(atPath: ContextdProcess.root.appendingPathComponent(".git").path)
        if isClone {
            #expect(commit != "unknown", "built in a git clone, yet the commit is unknown")
            #expect(git.terminationStatus == 0, "\(commit) is not a commit of this repository")
        }
    }
}
