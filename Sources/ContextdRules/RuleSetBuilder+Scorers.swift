import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

extension RuleSetBuilder {
    static let scorerKinds = ["logistic", "scorecard"]

    /// `scorers: {fraud_risk: {kind: logistic, intercept: -3, features: {speed: {value: …, weight: 0.4}}}}`.
    func readScorers() {
        var seen: [String: (file: String, line: Int)] = [:]
        var fields: [String: ValueType] = [:]
        for (file, name, keyNode, value) in entries(of: "scorers") {
            guard checkUnique(name, kind: "scorer", at: keyNode, in: file, seen: &seen) else { continue }
            fields[name] = .number  // known by name even when its definition has errors
            guard let scorer = readScorer(name, value, in: file) else { continue }
            scorers[name] = scorer
        }
        scoreType = RecordType(name: "score", fields: fields, isOpen: false)
    }

    private func readScorer(_ name: String, _ node: Node, in file: RuleFile) -> Scorer? {
        let what = "scorer '\(name)'"
        guard let reader = MappingReader(node, file: file, log: log, what: what,
            allowed: ["kind", "description", "intercept", "base", "features"]),
            let kindNode = reader.required("kind"), let kind = reader.string("kind"),
            let featuresNode = reader.required("features")
        else { return nil }
        guard Self.scorerKinds.contains(kind) else {
            log.report(file.diagnostic(at: kindNode, length: kind.count,
                "unknown scorer kind '\(kind)'" + Suggestion.phrase(for: kind, among: Self.scorerKinds)
                    + " (kinds: logistic, scorecard)"))
            return nil
        }
        let scope = makeScope(event: eventType(for: []), context: true, score: false, task: false)
        guard let features = MappingReader(featuresNode, file: file, log: log, what: "features of \(what)", allowed: [])
        else { return nil }
        let site = ExpressionSite(file: file, log: log)
        let model: Scorer.Model
        if kind == "logistic" {
            var list: [Scorer.LogisticFeature] = []
            for (feature, _, featureNode) in features.entries {
                let fwhat = "feature '\(feature)' of \(what)"
                guard let f = MappingReader(featureNode, file: file, log: log, what: fwhat,
                    allowed: ["value", "weight", "center", "scale", "description"]),
                    let valueNode = f.required("value"), f.required("weight") != nil, let weight = f.number("weight"),
                    let value = site.expression(valueNode, in: scope.environment, what: "'value' of \(fwhat)")
                else { continue }
                let scale = f.number("scale") ?? 1
                if scale == 0 { log.report(file.diagnostic(at: f["scale"], "'scale' of \(fwhat) must not be 0")) }
                list.append(.init(name: feature, value: value, weight: weight, center: f.number("center") ?? 0,
                    scale: scale == 0 ? 1 : scale))
            }
            model = .logistic(intercept: reader.number("intercept") ?? 0, features: list)
        } else {
            var list: [Scorer.ScorecardFeature] = []
            for (feature, _, featureNode) in features.entries {
                if let parsed = readScorecardFeature(feature, featureNode, of: what, in: file, scope: scope) {
                    list.append(parsed)
                }
            }
            model = .scorecard(base: reader.number("base") ?? 0, features: list)
        }
        return Scorer(name: name, description: reader.string("description") ?? "", model: model, scope: scope)
    }

    private func readScorecardFeature(_ feature: String, _ node: Node, of what: String, in file: RuleFile,
        scope: EvaluationScope) -> Scorer.ScorecardFeature?
    {
        let fwhat = "feature '\(feature)' of \(what)"
        let site = ExpressionSite(file: file, log: log)
        guard let f = MappingReader(node, file: file, log: log, what: fwhat,
            allowed: ["value", "bins", "missing", "description"]),
            let valueNode = f.required("value"), let binsNode = f.required("bins"),
            let value = site.expression(valueNode, in: scope.environment, what: "'value' of \(fwhat)")
        else { return nil }
        guard case .sequence(let sequence) = binsNode else {
            log.report(file.diagnostic(at: binsNode, "'bins' of \(fwhat) must be a list of {min, max, points}"))
            return nil
        }
        var bins: [Scorer.Bin] = []
        for binNode in sequence {
            guard let bin = MappingReader(binNode, file: file, log: log, what: "a bin of \(fwhat)",
                allowed: ["min", "max", "equals", "points"]),
                bin.required("points") != nil, let points = bin.number("points")
            else { continue }
            let equals = bin["equals"].map { node -> [Value] in
                if case .sequence(let items) = node { return items.map(Self.constant) }
                return [Self.constant(node)]
            }
            bins.append(Scorer.Bin(min: bin.number("min"), max: bin.number("max"), equals: equals, points: points))
        }
        return Scorer.ScorecardFeature(name: feature, value: value, bins: bins, missing: f.number("missing") ?? 0)
    }
}
