import ContextdEngine
import ContextdEvents
import Yams

extension RuleSetBuilder {
    /// `kind: contact`: `count` (required, a whole number ≥ 1), `per` (required), `by`
    /// (`assignee`, the default, or `subject`) and `exempt_priority` (optional, 0–100). Every
    /// mistake is reported before giving up, so one `check` shows them all.
    func readContactCap(_ reader: MappingReader, _ what: String) -> TaskPolicy.ContactCap? {
        let file = reader.file
        let countNode = reader.required("count")
        var count: Int?
        if let countNode, let number = reader.number("count") {
            if number >= 1, number == number.rounded(), number <= Double(Int32.max) {
                count = Int(number)
            } else {
                log.report(file.diagnostic(at: countNode, length: countNode.string?.count ?? 1,
                    "'count' of \(what) must be a whole number of at least 1, got '\(countNode.string ?? "?")'"))
            }
        }
        let per = reader.required("per") == nil ? nil : reader.duration("per")
        var by = TaskPolicy.ContactCap.Party.assignee
        if let byNode = reader["by"], let text = reader.string("by") {
            if let party = TaskPolicy.ContactCap.Party(rawValue: text) { by = party } else {
                let parties = TaskPolicy.ContactCap.Party.allCases.map(\.rawValue)
                log.report(file.diagnostic(at: byNode, length: text.count,
                    "'by' of \(what) must be assignee or subject, got '\(text)'"
                        + Suggestion.phrase(for: text, among: parties)))
                return nil
            }
        }
        var exemptPriority: Double?
        if let floorNode = reader["exempt_priority"], let floor = reader.number("exempt_priority") {
            guard (0...100).contains(floor) else {
                log.report(file.diagnostic(at: floorNode, length: floorNode.string?.count ?? 1,
                    "'exempt_priority' of \(what) must be a priority from 0 to 100, got '\(floorNode.string ?? "?")'"))
                return nil
            }
            exemptPriority = floor
        }
        guard let count, let per else { return nil }
        return TaskPolicy.ContactCap(count: count, per: per, by: by, exemptPriority: exemptPriority)
    }

    /// `kind: cooldown`: `outcomes` (optional, default `[rejected]`; each one of done, accepted,
    /// rejected) and `for` (required).
    func readCooldown(_ reader: MappingReader, _ what: String) -> (outcomes: [TaskOutcome.Outcome], period: TimeSpan)? {
        let file = reader.file
        let known = TaskOutcome.Outcome.allCases.map(\.rawValue)
        var outcomes: [TaskOutcome.Outcome] = [.rejected]
        var valid = true
        if let listNode = reader["outcomes"], let names = reader.strings("outcomes") {
            outcomes = []
            for (name, node) in names {
                guard let outcome = TaskOutcome.Outcome(rawValue: name) else {
                    log.report(file.diagnostic(at: node, length: name.count,
                        "unknown outcome '\(name)' in \(what)" + Suggestion.phrase(for: name, among: known)
                            + " (outcomes: \(known.joined(separator: ", ")))"))
                    valid = false
                    continue
                }
                if !outcomes.contains(outcome) { outcomes.append(outcome) }
            }
            if names.isEmpty {
                log.report(file.diagnostic(at: listNode,
                    "'outcomes' of \(what) must name at least one of \(known.joined(separator: ", "))"))
                valid = false
            }
        }
        let period = reader.required("for") == nil ? nil : reader.duration("for")
        guard valid, let period else { return nil }
        return (outcomes, period)
    }
}
