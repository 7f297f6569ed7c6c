import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct GeographyTests {
    let harness = Harness()

    @Test(arguments: [
        "distance_km(40.7128, -74.0060, 48.8566, 2.3522)",
        "distance_km({'lat': 40.7128, 'lon': -74.0060}, {'lat': 48.8566, 'lon': 2.3522})",
        "distance_km(context.last_location, event.data)",
        "context.last_location.distance_km(x.missing ?? event.data)",
    ])
    func newYorkToParis(source: String) throws {
        let kilometres = try #require(harness.value(source)?.numberValue)
        #expect(abs(kilometres - 5837) <= 1)
    }

    @Test func samePlaceIsZero() {
        #expect(harness.value("distance_km(48.8566, 2.3522, 48.8566, 2.3522)") == .number(0))
    }

    @Test(arguments: [
        ("speed_kmh(900, duration('1h'))", 900.0),
        ("speed_kmh(10, duration('30m'))", 20.0),
        // The one-minute floor: 5 km in 10 seconds counts as 5 km in one minute.
        ("speed_kmh(5, duration('10s'))", 300.0),
        ("speed_kmh(5, duration('0s'))", 300.0),
    ])
    func speed(source: String, expected: Double) {
        #expect(harness.value(source) == .number(expected))
    }

    @Test func theFraudRuleReadsAsTheSpecSaysIt() {
        let source = """
            distance_km(context.last_location, event.data) >= 500 &&
            speed_kmh(distance_km(context.last_location, event.data), event.time - context.last_location.time) >= 900
            """
        #expect(harness.value(source) == .bool(true))
    }

    @Test func aPointWithoutLatitudeIsAMissingField() {
        let failure = harness.failure("distance_km({'lon': 1}, event.data)")
        #expect(failure?.message == "no field 'lat' in map")
        #expect(failure?.code == .missingField)
    }
}
