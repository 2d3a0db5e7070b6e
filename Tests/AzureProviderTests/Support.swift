import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import Synchronization
import TestSupport
import WireFormat

/// A clock that moves only when something sleeps, recording every sleep.
final class ManualRuntime: Sendable {
    private let state = Mutex<(now: Double, sleeps: [Double])>((1_790_000_000, []))

    var now: Double { state.withLock { $0.now } }
    var sleeps: [Double] { state.withLock { $0.sleeps } }
    func advance(_ seconds: Double) { state.withLock { $0.now += seconds } }

    var runtime: Runtime {
        Runtime(
            now: { self.now },
            sleep: { seconds in
                self.state.withLock {
                    $0.sleeps.append(seconds)
                    $0.now += seconds
                }
            },
            random: { upperBound in upperBound / 2 })
    }
}

/// A live local cloud and everything needed to talk to it as amlauth does.
struct Connected {
    let live: LiveCloud
    let cloud: AzureCloudEndpoints
    let extras: AzureCloudEndpoints.FileExtras
    let transport: CurlTransport
    let log = LogCollector()

    static func start(_ options: LocalCloudOptions = LocalCloudOptions()) async throws -> Connected {
        let live = try await LiveCloud.start(options: options)
        let file = await live.cloudFile
        let (cloud, extras) = try AzureCloudEndpoints.parse(cloudFile: Array(file.compact().utf8), path: "cloud.json")
        return Connected(
            live: live, cloud: cloud, extras: extras,
            transport: try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate)))
    }

    var tenant: String { extras.tenantID ?? "" }
    var subscription: String { extras.subscriptionID ?? "" }

    func bootstrapCredential(secret: String? = nil) -> ClientSecretCredential {
        ClientSecretCredential(
            tenantID: tenant, clientID: extras.bootstrapClientID ?? "",
            secret: secret ?? extras.bootstrapClientSecret ?? "", source: "test bootstrap secret")
    }

    func pipeline(_ credential: any TokenCredential, runtime: Runtime = .system, retry: RetryPolicy = RetryPolicy())
        -> AzurePipeline
    {
        let client = TokenClient(cloud: cloud, transport: transport, runtime: runtime, retry: retry, log: log.line)
        return AzurePipeline(
            transport: transport, tokens: TokenCache(credential: credential, client: client), runtime: runtime,
            retry: retry, log: log.line)
    }

    func stop() async { await live.stopAndRemove() }
}

/// Collects verbose log lines.
final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])
    var line: @Sendable (String) -> Void { { text in self.lines.withLock { $0.append(text) } } }
    var all: [String] { lines.withLock { $0 } }
}
