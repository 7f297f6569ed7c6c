public import ContextdEvents
public import ContextdExpressions

/// A named analytics model (`fraud_risk`, `lead_propensity`) that turns features of an event
/// and its entity's context into a number, and says which features pushed it most.
///
/// The weights come from the analytics team's training tools, so the model kinds are the ones
/// those tools export: logistic regression coefficients and points scorecards.
public struct Scorer: Sendable {
    public enum Model: Sendable {
        case logistic(intercept: Double, features: [LogisticFeature])
        case scorecard(base: Double, features: [ScorecardFeature])
    }

    public struct LogisticFeature: Sendable {
        public var name: String
        public var value: CompiledExpression
        public var weight: Double
        /// Standardisation exported with the model: the feature enters as (x - center) / scale.
        public var center: Double
        public var scale: Double
        public init(name: String, value: CompiledExpression, weight: Double, center: Double = 0, scale: Double = 1) {
            self.name = name
            self.value = value
            self.weight = weight
            self.center = center
            self.scale = scale
        }
    }

    public struct ScorecardFeature: Sendable {
        public var name: String
        public var value: CompiledExpression
        public var bins: [Bin]
        /// Points when the feature has no value (null or an evaluation error).
        public var missing: Double
        public init(name: String, value: CompiledExpression, bins: [Bin], missing: Double) {
            self.name = name
            self.value = value
            self.bins = bins
            self.missing = missing
        }
    }

    /// A scorecard bin: the first bin whose bounds hold the value gives its points.
    public struct Bin: Sendable {
        public var min: Double?
        public var max: Double?
        public var equals: [Value]?
        public var points: Double
        public init(min: Double? = nil, max: Double? = nil, equals: [Value]? = nil, points: Double) {
            self.min = min
            self.max = max
            self.equals = equals
            self.points = points
        }

        func holds(_ value: Value) -> Bool {
            if let equals { return equals.contains(value) }
            guard case .number(let x) = value else {
                if case .bool(let b) = value { return holds(.number(b ? 1 : 0)) }
                return false
            }
            if let min, x < min { return false }
            if let max, x >= max { return false }
            return true
        }
    }

    public var name: String
    public var description: String
    public var model: Model
    public var scope: EvaluationScope

    public init(name: String, description: String, model: Model, scope: EvaluationScope) {
        self.name = name
        self.description = description
        self.model = model
        self.scope = scope
    }
}

/// A score and the features behind it, largest first.
public struct Score: Sendable, Hashable {
    public var value: Double
    public var contributions: [Contribution]

    public init(value: Double, contributions: [Contribution]) {
        self.value = value
        self.contributions = contributions
    }
}

/// How much one feature moved a score: log-odds for logistic models, points for scorecards.
public struct Contribution: Sendable, Hashable {
    public var feature: String
    public var value: Value
    public var contribution: Double

    public init(feature: String, value: Value, contribution: Double) {
        self.feature = feature
        self.value = value
        self.contribution = contribution
    }
}

extension Scorer {
    /// Scores one evaluation. A feature that fails to evaluate counts as missing (0 for a
    /// logistic feature, the `missing` points for a scorecard) rather than failing the rule.
    public func score(_ activation: Activation) -> Score {
        var contributions: [Contribution] = []
        let value: Double
        switch model {
        case .logistic(let intercept, let features):
            var z = intercept
            for feature in features {
                let raw = (try? feature.value.evaluate(activation)) ?? .null
                let x = Scorer.number(raw).map { ($0 - feature.center) / feature.scale } ?? 0
                let c = feature.weight * x
                z += c
                contributions.append(Contribution(feature: feature.name, value: raw, contribution: c))
            }
            value = 1 / (1 + Scorer.exp(-z))
        case .scorecard(let base, let features):
            var total = base
            for feature in features {
                let raw = (try? feature.value.evaluate(activation)) ?? .null
                let points = raw.isNull ? feature.missing : (feature.bins.first { $0.holds(raw) }?.points ?? feature.missing)
                total += points
                contributions.append(Contribution(feature: feature.name, value: raw, contribution: points))
            }
            value = total
        }
        contributions.sort { abs($0.contribution) > abs($1.contribution) }
        return Score(value: value, contributions: contributions)
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .number(let n): n
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    /// e^x without Foundation, accurate to double precision for the ranges scores use.
    static func exp(_ x: Double) -> Double {
        if x > 700 { return .infinity }
        if x < -700 { return 0 }
        // Range reduction: e^x = 2^k * e^r with |r| <= ln2/2.
        let ln2 = 0.693_147_180_559_945_3
        let k = (x / ln2).rounded()
        let r = x - k * ln2
        var term = 1.0
        var sum = 1.0
        for n in 1...20 {
            term *= r / Double(n)
            sum += term
        }
        return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
    }
}
