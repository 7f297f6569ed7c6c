// swift-tools-version:6.0
import PackageDescription

/// Strictness every target shares: Swift 6 language mode (complete concurrency checking)
/// plus the upcoming features that keep APIs explicit.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The per-event path (decoding, expressions, the engine) in release builds: without the
/// run-time exclusivity checks on class and global accesses: without them `replay` ran 7 % fewer
/// instructions (3.04 → 2.81 billion on 30,000 events, callgrind). Debug builds, and so the tests, keep them; the static
/// checks of Swift 6 apply to every build.
let hotPath: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "contextd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "contextd", targets: ["contextd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // SHA-256 of a spool file for the event log's file record (already resolved for postgres-nio).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Pure engine: no I/O, no third-party dependencies.
        .target(name: "ContextdEvents", swiftSettings: hotPath, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "ContextdExpressions", dependencies: ["ContextdEvents"], swiftSettings: hotPath),
        .target(name: "ContextdEngine", dependencies: ["ContextdEvents", "ContextdExpressions"], swiftSettings: hotPath),
        // Adapters.
        .target(
            name: "ContextdRules",
            dependencies: ["ContextdEngine", "ContextdExpressions", "ContextdEvents", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "ContextdReplay",
            dependencies: ["ContextdEngine", "ContextdEvents", "ContextdExpressions", "ContextdRules"],
            swiftSettings: strict
        ),
        .target(
            name: "ContextdStore",
            dependencies: [
                "ContextdEngine", "ContextdEvents", "ContextdExpressions", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // TLS for PostgreSQL: sslmode and sslrootcert (PostgresAddress+TLS).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(name: "ContextdSpool", dependencies: ["ContextdEvents"], swiftSettings: strict),
        .target(
            name: "ContextdHTTP",
            dependencies: [
                "ContextdEngine", "ContextdEvents", "ContextdStore", "ContextdRules",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict,
            plugins: ["OpenAPIDocument"]
        ),
        .target(
            name: "ContextdDaemon",
            dependencies: [
                "ContextdEngine", "ContextdEvents", "ContextdExpressions", "ContextdRules", "ContextdReplay",
                "ContextdStore", "ContextdSpool", "ContextdHTTP",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "contextd",
            dependencies: [
                "ContextdEngine", "ContextdRules", "ContextdEvents", "ContextdReplay", "ContextdDaemon", "ContextdStore",
                "ContextdHTTP", "ContextdSpool",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `contextd status`: its HTTP client (not URLSession: see StatusRequest).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict,
            plugins: ["BuildCommit"]
        ),
        // `contextd --version`: the git commit the executable is built from.
        .plugin(name: "BuildCommit", capability: .buildTool()),
        // `GET /v1/openapi.json`: docs/openapi.json embedded in the binary at build time.
        .plugin(name: "OpenAPIDocument", capability: .buildTool()),
        .testTarget(name: "ContextdEventsTests", dependencies: ["ContextdEvents"], swiftSettings: strict),
        .testTarget(
            name: "ContextdExpressionsTests", dependencies: ["ContextdExpressions", "ContextdEvents", "ContextdTestKit"],
            swiftSettings: strict),
        // What tests share besides HTTP: a seeded generator for property tests, the turns that
        // tests blocking a thread take, and a PostgreSQL database of its own per test case.
        .target(
            name: "ContextdTestKit",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ContextdTestKit", swiftSettings: strict),
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
        .testTarget(
            name: "ContextdStoreTests",
            dependencies: [
                "ContextdStore", "ContextdEngine", "ContextdEvents", "ContextdRules", "ContextdReplay", "ContextdTestKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["Fixtures"],  // read from disk by path
            swiftSettings: strict
        ),
        // One suite every store backend must pass, written against the role protocols only
        // (Tests/ContextdStoreConformanceTests/StoreBackend.swift says how to add a backend).
        .testTarget(
            name: "ContextdStoreConformanceTests",
            dependencies: [
                "ContextdStore", "ContextdEngine", "ContextdEvents", "ContextdRules", "ContextdReplay", "ContextdTestKit",
                .product(name: "GRDB", package: "GRDB.swift"),  // SQLiteBackend.swift only: closing the pool
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContextdDaemonTests",
            dependencies: [
                "ContextdDaemon", "ContextdRules", "ContextdEvents", "ContextdEngine", "ContextdReplay", "ContextdStore",
                "ContextdHTTP", "ContextdTestKit", .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],  // read from disk by path, as operators' files are
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContextdDaemonProcessTests",
            dependencies: [
                "contextd", "ContextdStore", "ContextdEngine", "ContextdEvents", "ContextdRules", "ContextdReplay",
                "ContextdHTTP", "ContextdTestSupport", "ContextdTestKit",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        // What the HTTP and process tests share: a real HTTP client and the response shape.
        .target(
            name: "ContextdTestSupport",
            dependencies: [
                "ContextdEvents",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/ContextdTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContextdHTTPTests",
            dependencies: [
                "ContextdHTTP", "ContextdStore", "ContextdEngine", "ContextdEvents", "ContextdTestSupport", "ContextdTestKit",
                "contextd",  // the binary `contextd status` runs against a server of the tests
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContextdSpoolTests", dependencies: ["ContextdSpool", "ContextdEvents", "ContextdTestKit"], swiftSettings: strict),
        .testTarget(
            name: "ContextdCLITests", dependencies: ["contextd", "ContextdTestKit"], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
