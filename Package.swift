// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "klartekst",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "klartekst", targets: ["klartekst"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // The klartekst_danish FTS5 tokenizer (C): unicode61 + libstemmer's Danish stemmer.
        .target(
            name: "CKlartekstFTS",
            linkerSettings: [.linkedLibrary("stemmer"), .linkedLibrary("sqlite3")]
        ),
        .target(
            name: "KlartekstCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "KlartekstExtraction",
            dependencies: [
                "KlartekstCore", "CLibXML2",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .target(
            name: "KlartekstSources",
            dependencies: [
                "KlartekstCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KlartekstLLM",
            dependencies: [
                "KlartekstCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Alerts: SMTP, webhooks and the notify stage.
        .target(
            name: "KlartekstNotify",
            dependencies: [
                "KlartekstCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "KlartekstPipeline",
            dependencies: [
                "KlartekstCore", "KlartekstExtraction",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "KlartekstStore",
            dependencies: [
                "CKlartekstFTS",
                "KlartekstCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KlartekstWeb",
            dependencies: [
                "KlartekstCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        .target(
            name: "KlartekstApp",
            dependencies: [
                "KlartekstCore", "KlartekstExtraction", "KlartekstStore", "KlartekstWeb", "KlartekstSources", "KlartekstPipeline", "KlartekstLLM",
                "KlartekstNotify",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/municipalities.json")]
        ),
        .executableTarget(
            name: "klartekst",
            dependencies: [
                "KlartekstApp", "KlartekstCore", "KlartekstPipeline", "KlartekstLLM", "KlartekstNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "KlartekstTestSupport",
            dependencies: [
                "KlartekstCore", "KlartekstStore", "KlartekstExtraction",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "klartekst-bench",
            dependencies: [
                "KlartekstApp", "KlartekstCore", "KlartekstPipeline", "KlartekstSources", "KlartekstStore", "KlartekstTestSupport",
                "KlartekstLLM", "KlartekstExtraction",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "KlartekstCoreTests", dependencies: ["KlartekstCore", "KlartekstTestSupport"]),
        .testTarget(name: "KlartekstExtractionTests", dependencies: ["KlartekstExtraction", "KlartekstCore", "KlartekstTestSupport"]),
        .testTarget(name: "KlartekstStoreTests", dependencies: ["KlartekstStore", "KlartekstApp", "KlartekstCore", "KlartekstExtraction", "KlartekstPipeline", "KlartekstTestSupport"]),
        .testTarget(
            name: "KlartekstSyncTests",
            dependencies: [
                "KlartekstApp", "KlartekstCore", "KlartekstStore", "KlartekstSources", "KlartekstPipeline", "KlartekstTestSupport",
                "KlartekstExtraction",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "KlartekstAnalysisTests",
            dependencies: [
                "KlartekstApp", "KlartekstCore", "KlartekstStore", "KlartekstPipeline", "KlartekstLLM", "KlartekstWeb", "KlartekstTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "KlartekstAppTests", dependencies: ["KlartekstApp", "KlartekstCore", "KlartekstStore", "KlartekstTestSupport"]),
        .testTarget(
            name: "KlartekstWebTests",
            dependencies: [
                "KlartekstWeb", "KlartekstApp", "KlartekstCore", "KlartekstStore", "KlartekstTestSupport", "KlartekstPipeline", "KlartekstExtraction",
                "KlartekstNotify",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)
