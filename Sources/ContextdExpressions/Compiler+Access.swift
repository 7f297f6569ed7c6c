import ContextdEvents

/// `.field` and `[index]`, including fields of lazy records.
extension Compiler {
    mutating func compileField(
        _ receiver: Syntax,
        _ name: String,
        nameRange: SourceRange,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        if let record = lazyRecord(receiver, in: scope) {
            guard let type = fieldType(of: record.type, name, nameRange: nameRange, on: record.name) else {
                return .failed
            }
            let (slot, recordName, at) = (record.slot, record.name, runtimeRange(range))
            reads.insert(field: name, ofRecordAt: slot)
            return Compiled(type: type) { activation throws(EvaluationError) in
                do throws(EvaluationError) {
                    return try activation.field(name, ofRecordAt: slot, named: recordName)
                } catch {
                    throw error.located(at: at)
                }
            }
        }
        if let hostField = compileHostField(of: receiver, name, nameRange: nameRange, range: range, in: scope) {
            return hostField
        }
        let target = compile(receiver, in: scope)
        guard let type = fieldType(of: target.type, name, nameRange: nameRange, on: text(receiver.range)) else {
            return .failed
        }
        let (evaluate, at) = (target.evaluate, runtimeRange(range))
        return Compiled(type: type) { activation throws(EvaluationError) in
            try Access.field(name, of: try evaluate(activation), at: at)
        }.folded([target])
    }

    /// The lazy record a bare identifier names, unless a comprehension local shadows it.
    func lazyRecord(_ syntax: Syntax, in scope: Scope) -> (slot: Int, type: RecordType, name: String)? {
        guard case .identifier(let name) = syntax.kind, scope.local(named: name) == nil,
            case .lazyRecord(let slot, let type)? = environment.variables[name]
        else { return nil }
        return (slot, type, name)
    }

    /// The static type of `receiver.name`, or nil (reported) when it can never exist.
    mutating func fieldType(
        of type: ValueType,
        _ name: String,
        nameRange: SourceRange,
        on receiver: String
    ) -> ValueType? {
        switch type {
        case .dyn: return .dyn
        case .map(let element): return element
        case .record(let record): return fieldType(of: record, name, nameRange: nameRange, on: receiver)
        case .null:
            report("cannot read '\(name)' of null", nameRange)
            return nil
        default:
            report("cannot read field '\(name)' of \(type)", nameRange)
            return nil
        }
    }

    mutating func fieldType(
        of record: RecordType,
        _ name: String,
        nameRange: SourceRange,
        on receiver: String
    ) -> ValueType? {
        if let type = record.fields[name] { return type }
        if record.isOpen { return .dyn }
        if let match = Suggestions.closest(to: name, among: Set(record.fields.keys)) {
            report("unknown field '\(name)' on \(receiver); did you mean '\(match)'?", nameRange, suggestion: match)
        } else if record.fields.isEmpty {
            report("unknown field '\(name)' on \(receiver); it has no fields", nameRange)
        } else {
            let known = record.fields.keys.sorted().joined(separator: ", ")
            report("unknown field '\(name)' on \(receiver); its fields are \(known)", nameRange)
        }
        return nil
    }

    mutating func compileIndex(
        _ receiver: Syntax,
        _ indexSyntax: Syntax,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        let target = compile(receiver, in: scope)
        let index = compile(indexSyntax, in: scope)
        let type: ValueType
        switch target.type {
        case .list(let element):
            requireKey(index, .number, "a list index must be a number", indexSyntax.range)
            type = element
        case .map(let element):
            requireKey(index, .string, "a map key must be a string", indexSyntax.range)
            type = element
        case .record(let record):
            requireKey(index, .string, "a map key must be a string", indexSyntax.range)
            if case .string(let key)? = index.constant {
                guard let field = fieldType(of: record, key, nameRange: indexSyntax.range, on: text(receiver.range))
                else {
                    return .failed
                }
                type = field
            } else {
                type = .dyn
            }
        case .dyn, .null:
            type = .dyn
        default:
            report("cannot index \(target.type)", receiver.range)
            return .failed
        }
        let (container, key, at) = (target.evaluate, index.evaluate, runtimeRange(range))
        return Compiled(type: type) { activation throws(EvaluationError) in
            try Access.index(try container(activation), try key(activation), at: at)
        }.folded([target, index])
    }

    private mutating func requireKey(_ index: Compiled, _ type: ValueType, _ requirement: String, _ range: SourceRange)
    {
        if !index.type.isCompatible(with: type) { report("\(requirement), not \(index.type)", range) }
    }
}
