import Yams

/// Checks that the spools, the outbox and the data directory do not overlap.
///
/// Each spool's `new/`, `cur/` and `done/` belong to contextd's claim protocol; a spool inside
/// another would have its files taken by the wrong input, an outbox inside a spool would feed
/// tasks back in as events, and the state inside a spool would be rejected as bad input. Such
/// a layout is refused at load time rather than discovered by lost files later.
struct SpoolLayout {
    let document: ConfigurationDocument
    let inputs: [SpoolInput]
    let dataDirectory: (path: AbsolutePath, node: Node?)
    let outbox: (path: AbsolutePath, node: Node?)

    func check() {
        checkNames()
        checkSpools()
        checkOutbox()
        checkDataDirectory()
    }

    private func checkNames() {
        var first: [String: SpoolInput] = [:]
        for input in inputs {
            if let earlier = first[input.input.name] {
                document.report(at: input.nameNode,
                    "duplicate input name '\(input.input.name)' (first used on line \(earlier.nameNode?.mark?.line ?? 1)); "
                        + "input names must be unique")
            } else {
                first[input.input.name] = input
            }
        }
    }

    private func checkSpools() {
        for (index, later) in inputs.enumerated() {
            for earlier in inputs[..<index] {
                let (inner, outer) = (spool(later), spool(earlier))
                if inner.path == outer.path {
                    document.report(at: later.pathNode,
                        "duplicate spool path: input '\(later.input.name)' uses the directory of input "
                            + "'\(earlier.input.name)' (\(outer.path)\(Self.line(of: earlier.pathNode))); "
                            + "each input needs its own spool")
                } else if inner.path.isWithin(outer.path) {
                    document.report(at: later.pathNode,
                        "the spool of input '\(later.input.name)' (\(inner.path)) is inside the spool of input "
                            + "'\(earlier.input.name)' (\(outer.path)\(Self.line(of: earlier.pathNode))); spools must not nest")
                } else if outer.path.isWithin(inner.path) {
                    document.report(at: later.pathNode,
                        "the spool of input '\(later.input.name)' (\(inner.path)) contains the spool of input "
                            + "'\(earlier.input.name)' (\(outer.path)\(Self.line(of: earlier.pathNode))); spools must not nest")
                }
            }
        }
    }

    private func checkOutbox() {
        for input in inputs {
            let spool = spool(input)
            // A default outbox follows data_dir: when that is inside the spool, one message says so.
            if outbox.node == nil && dataDirectory.path.isWithin(spool.path) { continue }
            if outbox.path.isWithin(spool.path) {
                document.report(at: outbox.node ?? input.pathNode,
                    "the outbox (\(outbox.path)) is inside the spool of input '\(input.input.name)' "
                        + "(\(spool.path)\(Self.line(of: input.pathNode))); tasks would be read back as events")
            } else if spool.path.isWithin(outbox.path) {
                document.report(at: input.pathNode ?? outbox.node,
                    "the spool of input '\(input.input.name)' (\(spool.path)) is inside the outbox "
                        + "(\(outbox.path)\(Self.line(of: outbox.node))); keep spools and the outbox apart")
            }
        }
    }

    private func checkDataDirectory() {
        for input in inputs where dataDirectory.path.isWithin(spool(input).path) {
            document.report(at: dataDirectory.node ?? input.pathNode,
                "data_dir (\(dataDirectory.path)) is inside the spool of input '\(input.input.name)' "
                    + "(\(input.input.path)\(Self.line(of: input.pathNode))); keep the daemon's state out of the spools")
        }
    }

    private func spool(_ input: SpoolInput) -> (path: AbsolutePath, node: Node?) {
        (AbsolutePath(absolute: input.input.path), input.pathNode)
    }

    /// `, line 4` for a node written in the file, ` by default` for a default.
    private static func line(of node: Node?) -> String {
        node?.mark.map { ", line \($0.line)" } ?? " by default"
    }
}
