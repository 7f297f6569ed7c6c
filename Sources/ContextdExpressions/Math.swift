#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's elementary functions, which the standard library does not expose on
/// `Double` (square roots and rounding it does). Only this file imports the C library.
enum Math {
    static func naturalLog(_ x: Double) -> Double { log(x) }
    static func exponential(_ x: Double) -> Double { exp(x) }
    static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    static func sine(_ x: Double) -> Double { sin(x) }
    static func cosine(_ x: Double) -> Double { cos(x) }
    static func arcsine(_ x: Double) -> Double { asin(x) }
}
