// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: strict, explicit imports and `any` for existentials.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "amlauth",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "amlauth", targets: ["amlauth"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // System libraries: linked from the distribution, never vendored.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),

        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),

        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),

        // libcurl → an async HTTP transport. The only module that sees libcurl.
        .target(name: "HTTPClient", dependencies: ["CCurl"], swiftSettings: strictSettings),

        // Talking to Azure: clouds, credentials, token cache, retry and throttling, typed clients.
        .target(
            name: "AzureProvider",
            dependencies: ["WireFormat", "AMLAuthCore", "HTTPClient", "AuthCrypto"],
            swiftSettings: strictSettings
        ),

        // OpenSSL → keys, signatures, digests, certificates. The only module that sees OpenSSL.
        .target(name: "AuthCrypto", dependencies: ["WireFormat", "COpenSSL"], swiftSettings: strictSettings),

        // Crash-safe file writes (temp file, fsync, rename), shared by the local cloud and secret sinks.
        .target(name: "FileStorage", swiftSettings: strictSettings),

        // libyaml → located YAML nodes. The only module that sees libyaml.
        .target(name: "YAMLSource", dependencies: ["CYAML"], swiftSettings: strictSettings),

        // Neutral wire formats shared by the client, the local cloud and the crypto layer: JSON,
        // base64 and SHA-1, in pure Swift. Not the domain: nothing here knows Azure or manifests.
        .target(name: "WireFormat", swiftSettings: strictSettings),

        // The pure core: manifests, diagnostics, validation, schema, desired and live state, the
        // planner and the plan document. No I/O.
        .target(name: "AMLAuthCore", dependencies: ["WireFormat", "YAMLSource"], swiftSettings: strictSettings),

        // The local cloud: an Azure-compatible cloud (Entra ID, Graph, ARM, Azure ML v1) as a pure
        // router over a persisted store, plus a thin HTTPS server.
        .target(
            name: "LocalCloud",
            dependencies: ["WireFormat", "AMLAuthCore", "AuthCrypto", "YAMLSource", "FileStorage"],
            swiftSettings: strictSettings
        ),

        // The local cloud's HTTPS front: Hummingbird with TLS, moving bytes to and from the router.
        //
        // It stays in the `amlauth` binary (issue 14 item 3, measured in README "Binaries, container
        // image and shell conveniences"): a stripped static build without LocalCloud and
        // LocalCloudServer is still 62.1 MB: the static Swift runtime and Foundation with ICU data
        // dominate, so a split cannot make the downloaded tool smaller than that. A split into an
        // `amlauth-local-cloud` executable would take: that executable target and product; in
        // Composition, `cloud: local` spawning it (next to /proc/self/exe, then PATH, else an error
        // saying `swift build --product amlauth-local-cloud`), reading its cloud file from stdout
        // and stopping it on every exit path including SIGINT during apply; `local-cloud serve`
        // exec'ing it; bootstrap.sh or the README command building it, since `swift run amlauth`
        // builds no other executable; and the CLI tests running two processes each.
        .target(
            name: "LocalCloudServer",
            dependencies: ["WireFormat", 
                "LocalCloud", "AMLAuthCore", "AuthCrypto", "FileStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // Orchestration over a provider (Graph, ARM authorization, model management): reading live
        // state into typed values, the plan pipeline, and executing a plan's steps in dependency order.
        .target(name: "Engine", dependencies: ["WireFormat", "AMLAuthCore", "AzureProvider", "AuthCrypto", "FileStorage"], swiftSettings: strictSettings),

        // Values → text: diagnostics with carets, JSON, GitHub annotations; plans and apply reports.
        .target(name: "Rendering", dependencies: ["WireFormat", "AMLAuthCore", "YAMLSource"], swiftSettings: strictSettings),

        // Writes BuildInfo.swift (the commit `amlauth --version` prints) before each build.
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),

        // The command tree and the one place that wires implementations together.
        .target(
            name: "AMLAuthCLI",
            dependencies: ["WireFormat", 
                "AMLAuthCore", "Rendering", "YAMLSource", "LocalCloud", "LocalCloudServer", "AzureProvider", "HTTPClient", "Engine", "AuthCrypto", "FileStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings,
            plugins: ["BuildInfoPlugin"]
        ),
        .executableTarget(name: "amlauth", dependencies: ["AMLAuthCLI"], swiftSettings: strictSettings),

        // The properties any input must keep (located diagnostics, well-formed output, no planted
        // secret echoed), and the libFuzzer target that asserts them (`scripts/fuzz.sh`). Built
        // without fuzzer flags here; only the script adds `-sanitize=fuzzer`.
        .target(
            name: "ManifestFuzzing", dependencies: ["AMLAuthCore", "Rendering", "WireFormat", "YAMLSource"],
            swiftSettings: strictSettings),
        .executableTarget(name: "amlauth-fuzz", dependencies: ["ManifestFuzzing"], swiftSettings: strictSettings),

        // Plan cost against a one-request-per-resource baseline (Benchmarks/plan/README.md).
        .executableTarget(
            name: "amlauth-plan-benchmark",
            dependencies: ["WireFormat", "AMLAuthCore", "AuthCrypto", "AzureProvider", "Engine", "HTTPClient", "LocalCloud", "LocalCloudServer", "TestSupport"],
            path: "Benchmarks/plan",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // Helpers shared by the test targets: marked text, golden files, fixture paths, the live
        // local cloud, and an in-memory fake provider for the engine.
        .target(
            name: "TestSupport", dependencies: ["WireFormat", "AMLAuthCore", "YAMLSource", "LocalCloud", "LocalCloudServer", "AzureProvider", "Engine", "HTTPClient"],
            swiftSettings: strictSettings),

        .testTarget(
            name: "LocalCloudTests",
            dependencies: ["WireFormat", "LocalCloud", "LocalCloudServer", "AMLAuthCore", "AuthCrypto", "HTTPClient", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HTTPClientTests",
            dependencies: ["WireFormat", "HTTPClient", "LocalCloud", "LocalCloudServer", "AMLAuthCore", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AzureProviderTests",
            dependencies: ["WireFormat", "AzureProvider", "HTTPClient", "LocalCloud", "LocalCloudServer", "AMLAuthCore", "AuthCrypto", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["WireFormat", "Engine", "AzureProvider", "HTTPClient", "LocalCloud", "LocalCloudServer", "AMLAuthCore", "AuthCrypto", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "AuthCryptoTests", dependencies: ["AuthCrypto", "WireFormat"], swiftSettings: strictSettings),
        .testTarget(name: "FileStorageTests", dependencies: ["FileStorage"], swiftSettings: strictSettings),
        .testTarget(name: "YAMLSourceTests", dependencies: ["YAMLSource", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "AMLAuthCoreTests",
            dependencies: ["WireFormat", "AMLAuthCore", "Rendering", "TestSupport", "YAMLSource", "ManifestFuzzing"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AMLAuthCLITests",
            dependencies: ["WireFormat", 
                "AMLAuthCLI", "AMLAuthCore", "Rendering", "TestSupport", "YAMLSource", "AzureProvider", "HTTPClient", "AuthCrypto",
                "LocalCloud", "LocalCloudServer",
                // CIExamplesTests parses the examples' command lines with the real command tree.
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
