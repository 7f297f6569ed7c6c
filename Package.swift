// swift-tools-version:6.0
import PackageDescription

/// Strictness every target shares: Swift 6 language mode (complete concurrency checking)
/// plus the upcoming features that keep APIs explicit.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "contextd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "contextd", targets: ["contextd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Pure engine: no I/O, no third-party dependencies.
        .target(name: "ContextdEvents", swiftSettings: strict, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "ContextdExpressions", dependencies: ["ContextdEvents"], swiftSettings: strict),
        .target(name: "ContextdEngine", dependencies: ["ContextdEvents", "ContextdExpressions"], swiftSettings: strict),
        // Adapters.
        .target(
            name: "ContextdRules",
            dependencies: ["ContextdEngine", "ContextdExpressions", "ContextdEvents", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "ContextdReplay",
            dependencies: ["ContextdEngine", "ContextdEvents", "ContextdRules"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "contextd",
            dependencies: [
                "ContextdEngine", "ContextdRules", "ContextdEvents", "ContextdReplay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ContextdEventsTests", dependencies: ["ContextdEvents"], swiftSettings: strict),
        .testTarget(name: "ContextdExpressionsTests", dependencies: ["ContextdExpressions", "ContextdEvents"], swiftSettings: strict),
        .testTarget(
            name: "ContextdEngineTests",
            dependencies: ["ContextdEngine", "ContextdRules", "ContextdEvents", "ContextdExpressions", "ContextdReplay"],
            exclude: ["Fixtures"],  // read from disk by path, as operators' files are
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContextdRulesTests", dependencies: ["ContextdRules", "ContextdEngine"], exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(name: "ContextdCLITests", dependencies: ["contextd"], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
