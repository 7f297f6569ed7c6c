import Foundation

/// The fenced blocks of README.md, in order, as the README test runs them.
///
/// A ```` ```sh ```` block is run as printed. An HTML comment on the line just above the fence
/// (invisible on a rendered page) changes that:
/// - `<!-- README test: daemon -->`: the block starts the daemon, which runs "until Ctrl-C";
///   the test starts it in the background and sends SIGINT before the next daemon block;
/// - `<!-- README test: skip (why) -->`: not run (`swift test` itself, the benchmark).
/// ```` ```json ```` blocks are kept too: the replay example says what `replay` prints.
struct ReadmeBlocks {
    enum Role: Equatable { case run, daemon, skip }

    struct Block {
        var language: String
        var role: Role
        var text: String
        /// The line of the opening fence, for messages.
        var line: Int
    }

    let blocks: [Block]

    init(text: String) {
        var blocks: [Block] = []
        var open: Block?
        var marker: Role?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var block = open {
                if trimmed == "```" {
                    blocks.append(block)
                    open = nil
                } else {
                    block.text += line + "\n"
                    open = block
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                let language = String(trimmed.dropFirst(3)).split(separator: " ").first.map(String.init) ?? ""
                open = Block(language: language, role: marker ?? .run, text: "", line: index + 1)
            } else if trimmed.hasPrefix("<!-- README test: daemon") {
                marker = .daemon
                continue
            } else if trimmed.hasPrefix("<!-- README test: skip") {
                marker = .skip
                continue
            }
            marker = nil
        }
        self.blocks = blocks
    }

    var shell: [Block] { blocks.filter { $0.language == "sh" } }

    /// The first ```` ```json ```` block after the shell block whose text contains `command`.
    func json(after command: String) -> Block? {
        guard let start = blocks.firstIndex(where: { $0.language == "sh" && $0.text.contains(command) }) else {
            return nil
        }
        return blocks[(start + 1)...].first { $0.language == "json" }
    }
}
