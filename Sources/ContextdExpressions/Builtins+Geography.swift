import ContextdEvents

/// Places and movement: `distance_km speed_kmh`.
extension Builtins {
    /// The mean Earth radius (IUGG), as the stock fraud rule specifies.
    static let earthRadiusKilometres = 6371.0088

    static let geography: [Builtin] = [
        Builtin("distance_km", arity: .either(2, 4), check: checkDistance, .variadic(distance)),
        Builtin(
            "speed_kmh",
            [.number, .duration],
            .number,
            .binary { kilometres, span throws(EvaluationError) in
                let distance = try Argument.number(kilometres, 0, of: "speed_kmh")
                let hours = try Argument.duration(span, 1, of: "speed_kmh").hours
                // A one-minute floor: two sightings seconds apart must not mean infinite speed.
                return .number(distance / max(hours, 1.0 / 60))
            }
        ),
    ]

    /// Great-circle distance by the haversine formula.
    static func haversine(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (lat2 - lat1) * radians
        let dLon = (lon2 - lon1) * radians
        let sinLat = Math.sine(dLat / 2)
        let sinLon = Math.sine(dLon / 2)
        let a = sinLat * sinLat + Math.cosine(lat1 * radians) * Math.cosine(lat2 * radians) * sinLon * sinLon
        return 2 * earthRadiusKilometres * Math.arcsine(min(1, a.squareRoot()))
    }

    private static let checkDistance: Builtin.Check = { types throws(TypeProblem) in
        let kinds: Kinds = types.count == 2 ? .map : .number
        for index in types.indices { try Builtin.require(types, index, kinds, of: "distance_km") }
        return .number
    }

    /// `distance_km(lat1, lon1, lat2, lon2)` or `distance_km(a, b)` with maps holding `lat`, `lon`.
    @Sendable private static func distance(_ values: [Value]) throws(EvaluationError) -> Value {
        if values.count == 2 {
            let (a, b) = (try point(values[0], 0), try point(values[1], 1))
            return .number(haversine(a.lat, a.lon, b.lat, b.lon))
        }
        var numbers: [Double] = []
        for (index, value) in values.enumerated() {
            numbers.append(try Argument.number(value, index, of: "distance_km"))
        }
        return .number(haversine(numbers[0], numbers[1], numbers[2], numbers[3]))
    }

    private static func point(_ value: Value, _ index: Int) throws(EvaluationError) -> (lat: Double, lon: Double) {
        let fields = try Argument.object(value, index, of: "distance_km")
        var coordinates: [Double] = []
        for name in ["lat", "lon"] {
            guard let coordinate = fields[name] else {
                throw EvaluationError(message: "no field '\(name)' in map", code: .missingField)
            }
            guard case .number(let number) = coordinate else {
                throw EvaluationError(
                    message: "field '\(name)' of argument \(index + 1) of 'distance_km' must be a number, "
                        + "not \(coordinate.kindName)",
                    code: coordinate.isNull ? .nullAccess : .typeMismatch
                )
            }
            coordinates.append(number)
        }
        return (coordinates[0], coordinates[1])
    }
}
