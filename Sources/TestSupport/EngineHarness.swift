public import AMLAuthCore
public import AzureProvider
public import Engine
import Foundation
import HTTPClient
import WireFormat

/// The engine wired to a live local cloud the way the CLI wires it (libcurl, the bootstrap
/// principal, one pipeline), in one line instead of ten per test.
public struct EngineHarness: Sendable {
    public let cloud: AzureCloudEndpoints
    public let tenantID: String
    public let subscription: GUID
    public let pipeline: AzurePipeline
    public let runtime: Runtime

    /// Connects to `live` as its bootstrap principal. `runtime` and `retry` make retries and waits
    /// virtual in fault tests; `transfers` sets the transport's transfer slots.
    public static func connect(
        _ live: LiveCloud, runtime: Runtime = .system, retry: RetryPolicy = RetryPolicy(), transfers: Int? = nil
    ) async throws -> EngineHarness {
        let (cloud, extras) = try AzureCloudEndpoints.parse(
            cloudFile: Array(await live.cloudFile.compact().utf8), path: "cloud")
        guard let subscription = extras.subscriptionID.flatMap(GUID.init), let tenantID = extras.tenantID,
            let clientID = extras.bootstrapClientID,
            let secret = extras.bootstrapClientSecret
        else { throw HarnessError(description: "the cloud file lacks the bootstrap principal") }
        var configuration = CurlTransportConfiguration(extraCABundle: cloud.caCertificate)
        if let transfers { configuration.maxConcurrentTransfers = transfers }
        let transport = try CurlTransport(configuration: configuration)
        let credential = ClientSecretCredential(tenantID: tenantID, clientID: clientID, secret: secret, source: "test")
        let tokens = TokenCache(
            credential: credential,
            client: TokenClient(cloud: cloud, transport: transport, runtime: runtime, retry: retry))
        let pipeline = AzurePipeline(transport: transport, tokens: tokens, runtime: runtime, retry: retry)
        return EngineHarness(
            cloud: cloud, tenantID: tenantID, subscription: subscription, pipeline: pipeline, runtime: runtime)
    }

    public struct HarnessError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The real clients; model-management operations are polled without waiting.
    public var provider: Provider { Provider(pipeline: pipeline, cloud: cloud, pollInterval: 0) }
    public var graph: GraphClient { GraphClient(pipeline: pipeline, cloud: cloud) }
    public var reader: LiveStateReader { LiveStateReader(provider: provider) }

    /// Resolves manifests given as YAML text (one file) for `target`. Each web service's entry
    /// script is `scoringScript` (what the CLI would read from the file its manifest names).
    public func desired(_ yaml: String, target: String) -> (ManifestSet, DesiredState) {
        let manifests = ManifestValidation(environment: [:]).run([SourceFile(path: "m.yaml", bytes: Array(yaml.utf8))])
            .manifests
        let scripts = Dictionary(
            manifests.webservices.map { ($0.name, EntryScriptFile.of(Array(Self.scoringScript.utf8))) },
            uniquingKeysWith: { first, _ in first })
        return (
            manifests,
            DesiredState.resolve(manifests, target: target, subscriptionID: subscription, entryScripts: scripts)
        )
    }

    /// Each web service's entry script read from `directory` (where the manifests live), as the
    /// CLI reads them; services whose file is missing are left out.
    public static func entryScripts(_ manifests: ManifestSet, directory: String) -> [String: EntryScriptFile] {
        var scripts: [String: EntryScriptFile] = [:]
        for service in manifests.webservices {
            guard let data = FileManager.default.contents(atPath: directory + "/" + service.entryScript) else {
                continue
            }
            scripts[service.name] = EntryScriptFile.of([UInt8](data))
        }
        return scripts
    }

    /// A minimal azureml-core scoring script: `init()` once, `run(raw_data)` per request.
    public static let scoringScript = "def init():\n    pass\n\n\ndef run(raw_data):\n    return raw_data\n"

    /// Sinks written below `directory`.
    public func delivery(_ directory: String) -> SecretDelivery {
        SecretDelivery(baseDirectory: directory, cloud: cloud, environment: [:], workflowCommands: { _ in })
    }

    public func executor(delivery: SecretDelivery, parallelism: Int = 8) -> Executor {
        var executor = Executor(
            provider: provider, delivery: delivery, tenantID: tenantID, subscriptionID: subscription.value,
            runtime: runtime, parallelism: parallelism)
        executor.secretProof = pipeline.tokens.map { SecretProof(client: $0.client) }
        return executor
    }

    /// Reads and plans as `amlauth plan` does.
    public func plan(
        _ desired: DesiredState, _ manifests: ManifestSet, delivery: SecretDelivery?, options: Planner.Options? = nil
    ) async throws -> Reconciliation.Outcome {
        try await Reconciliation.plan(
            manifests, desired: desired, reader: reader, delivery: delivery,
            options: options ?? Planner.Options(now: runtime.now()))
    }
}

/// Hears nothing: for tests that read the result only.
public struct NoObserver: ApplyObserver {
    public init() {}
    public func started(_ change: Change) {}
    public func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {}
}
